import { notice } from "../../render/discord.js";
import { voteCitations, type FeedbackEntry } from "../feedback-store.js";
import { LIGHT_CHECKS } from "../pipeline/checks.js";
import { MESSAGES } from "../texts.js";
import type { ButtonHandler } from "./button.js";

/**
 * 👍/👎: thanked at once from memory; the vote is then stored (the store
 * keeps each member's last vote per answer, across restarts), so the disk
 * write never holds the member past Discord's deadline.
 */
export const feedbackButton: ButtonHandler<{ kind: "feedback"; vote: "up" | "down"; answerId: string }> = {
  checks: LIGHT_CHECKS,
  defers: false,
  gated: false,
  ephemeral: () => true,
  async run(r, ctx) {
    const { interaction, action } = r.source;
    const voteKey = `${action.answerId}:${r.userId}`;
    if (ctx.votes.get(voteKey) === action.vote) return { messages: [notice(MESSAGES.alreadyVoted)], outcome: "repeated_vote" };
    ctx.votes.set(voteKey, action.vote);
    return {
      messages: [notice(MESSAGES.thanks(action.vote))],
      outcome: "ok",
      async afterSend() {
        const sent = await ctx.answers.get(action.answerId);
        // An answer too old to be kept: the message itself still shows it.
        const shown = interaction.message.embeds[0];
        const entry: FeedbackEntry = {
          at: new Date().toISOString(),
          vote: action.vote,
          userHash: await ctx.feedback.hashUser(r.userId),
          guildId: r.guildId,
          answerId: action.answerId,
          question: sent?.question ?? shown?.title ?? "",
          answer: sent?.text ?? shown?.description ?? "",
          citations: voteCitations(sent?.citations ?? []),
        };
        await ctx.feedback.record(entry);
        ctx.log.debug("feedback.recorded", { req: r.id, answerId: action.answerId, vote: action.vote });
      },
    };
  },
};
