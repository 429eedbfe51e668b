/** What the bot tells members, in one place (refusals, limits, errors, thanks). */
export const MESSAGES = {
  notAllowedHere: "I'm not enabled on this server.",
  notAllowedInChannel: "I don't answer in this channel. Ask me in one of the channels the moderators set up for me.",
  dmsOff: "I don't answer direct messages. Ask me in a server channel, with /ask or by mentioning me.",
  restarting: "I'm restarting right now. Please ask again in a minute.",
  busy: "I'm answering a lot of questions right now. Please try again in a minute.",
  unknownCommand: "I don't know that command. Type /help to see what I can do.",
  forgottenAnswer: "I no longer have that answer (it is too old). Ask the question again to see its sources.",
  alreadyVoted: "You already gave this answer that vote.",
  emptyMention: "Ask me a question about the EU–China summits, e.g. “@me What did von der Leyen say about dual-use goods?” Type /help for more.",
  emptyTarget: "That message has no text I could answer about.",
  reloadRunning: "A reload is already running (started by another moderator or command). Try again when it has finished.",
  rateLimited: (ms: number) => `You're asking faster than I can keep up. Please wait ${Math.max(1, Math.ceil(ms / 1000))} s before your next question.`,
  failed: (id: string) => `Sorry, something went wrong on my side (error id ${id}). Please try again later.`,
  thanks: (vote: "up" | "down") => `Thanks, your ${vote === "up" ? "👍" : "👎"} is recorded.`,
};
