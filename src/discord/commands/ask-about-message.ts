import { ApplicationCommandType, ContextMenuCommandBuilder, type MessageContextMenuCommandInteraction } from "discord.js";
import type { Config } from "../../config.js";
import { notice, truncate } from "../../render/discord.js";
import { answerQuestion } from "../answering.js";
import { questionChecks } from "../pipeline/checks.js";
import type { Request } from "../pipeline/request.js";
import { MESSAGES } from "../texts.js";
import type { MessageMenuCommand } from "./command.js";
import { INTEGRATION_TYPES, memberContexts } from "./contexts.js";

export const ASK_ABOUT_MESSAGE = "Ask about this message";

/**
 * The selected message's text, without mentions of people, roles or channels
 * (they are not part of a question). A message longer than the question
 * limit is shortened to it (the member did not write it as a question), not refused.
 */
export function targetText(r: Request<MessageContextMenuCommandInteraction>, maxChars: number): string {
  return truncate(r.source.targetMessage.content.replace(/<(?:@[!&]?|#)\d+>/g, " ").replace(/\s+/g, " ").trim(), maxChars);
}

/**
 * Right-click a message > Apps > "Ask about this message": the bot answers
 * about the message's text, privately (a member is asking for themselves;
 * they can share the answer by asking with /ask).
 */
export function askAboutMessageCommand(config: Config): MessageMenuCommand {
  return {
    kind: "message_menu",
    data: new ContextMenuCommandBuilder()
      .setName(ASK_ABOUT_MESSAGE)
      .setNameLocalizations({ fr: "Demander à propos de ce message", de: "Zu dieser Nachricht fragen" })
      .setType(ApplicationCommandType.Message)
      .setContexts(...memberContexts(config.discord))
      .setIntegrationTypes(...INTEGRATION_TYPES)
      .toJSON(),
    checks: questionChecks((r) => targetText(r, config.answer.maxQuestionChars)),
    defers: true,
    gated: true,
    ephemeral: () => true,
    async run(r, ctx) {
      const question = targetText(r, ctx.config.answer.maxQuestionChars);
      if (!question) return { messages: [notice(MESSAGES.emptyTarget)], outcome: "empty" };
      const { messages } = await answerQuestion(r, ctx, { question });
      return { messages };
    },
  };
}
