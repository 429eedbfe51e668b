import { notice, renderEvidence } from "../../render/discord.js";
import { LIGHT_CHECKS } from "../pipeline/checks.js";
import { MESSAGES } from "../texts.js";
import type { ButtonHandler } from "./button.js";

/** 📚 Sources: the quotes of the answer, with file names and character offsets, shown only to the member. */
export const sourcesButton: ButtonHandler<{ kind: "sources"; answerId: string }> = {
  checks: LIGHT_CHECKS,
  defers: false,
  gated: false,
  ephemeral: () => true,
  async run(r, ctx) {
    const sent = await ctx.answers.get(r.source.action.answerId);
    return sent ? { messages: renderEvidence(sent), outcome: "ok" } : { messages: [notice(MESSAGES.forgottenAnswer)], outcome: "forgotten" };
  },
};
