import { Collection, MessageType } from "discord.js";
import type { Interaction, Message } from "discord.js";

/*
 * Small stand-ins for discord.js interactions and messages, for unit tests of
 * the request pipeline and its handlers: they record what the bot calls
 * (deferReply, reply, editReply, followUp; reply and edit for messages) and
 * keep discord.js's deferred/replied state rules. Only what the bot's code
 * reads is there; the e2e tests run the real discord.js against the fake
 * Discord (test/fakes/fake-discord.ts).
 */

export interface Call {
  readonly method: "deferReply" | "reply" | "editReply" | "followUp" | "sendTyping" | "messageReply" | "messageEdit" | "startThread" | "send";
  readonly options: Record<string, unknown>;
}

export interface Where {
  userId?: string;
  /** null: a DM. */
  guildId?: string | null;
  channelId?: string;
  /** Set when the channel is a thread: the thread's parent channel. */
  parentId?: string | null;
  /** The thread's owner (the bot, for its own threads). */
  threadOwnerId?: string;
  threadName?: string;
}

let next = 1_000_000_000_000_000_000n;
const id = () => String(next++);

export const GUILD = "111111111111111111";
export const CHANNEL = "222222222222222222";
export const USER = "333333333333333333";

function channelOf(w: Where) {
  const dm = w.guildId === null;
  const thread = !dm && w.parentId != null;
  return {
    id: w.channelId ?? CHANNEL,
    name: w.threadName ?? "general",
    parentId: thread ? w.parentId : null,
    ownerId: w.threadOwnerId ?? null,
    isThread: () => thread,
    isDMBased: () => dm,
  };
}

export type FakeInteractionKind =
  | { kind: "slash"; commandName: string; options?: Record<string, string | boolean> }
  | { kind: "context_menu"; commandName: string; targetContent: string }
  | { kind: "button"; customId: string };

/** An interaction as discord.js gives it to the bot, recording the calls made on it. */
export function fakeInteraction(what: FakeInteractionKind, where: Where = {}): { interaction: Interaction; calls: Call[] } {
  const calls: Call[] = [];
  const state = { deferred: false, replied: false };
  const guildId = where.guildId === undefined ? GUILD : where.guildId;
  const options = what.kind === "slash" ? (what.options ?? {}) : {};
  const record = (method: Call["method"], o: unknown) => calls.push({ method, options: (o ?? {}) as Record<string, unknown> });
  const interaction = {
    id: id(),
    user: { id: where.userId ?? USER },
    guildId,
    channelId: where.channelId ?? CHANNEL,
    channel: channelOf({ ...where, guildId }),
    inGuild: () => guildId !== null,
    commandName: what.kind === "button" ? undefined : what.commandName,
    customId: what.kind === "button" ? what.customId : undefined,
    targetMessage: what.kind === "context_menu" ? { content: what.targetContent } : undefined,
    message: { embeds: [] },
    options: {
      getString: (name: string, required?: boolean) => {
        const v = options[name];
        if (v === undefined && required) throw new Error(`option ${name} is required`);
        return typeof v === "string" ? v : null;
      },
      getBoolean: (name: string) => (typeof options[name] === "boolean" ? options[name] : null),
    },
    get deferred() {
      return state.deferred;
    },
    get replied() {
      return state.replied;
    },
    isAutocomplete: () => false,
    isRepliable: () => true,
    isChatInputCommand: () => what.kind === "slash",
    isMessageContextMenuCommand: () => what.kind === "context_menu",
    isButton: () => what.kind === "button",
    async deferReply(o?: unknown) {
      if (state.deferred || state.replied) throw new Error("InteractionAlreadyReplied");
      record("deferReply", o);
      state.deferred = true;
    },
    async reply(o: unknown) {
      if (state.deferred || state.replied) throw new Error("InteractionAlreadyReplied");
      record("reply", o);
      state.replied = true;
    },
    async editReply(o: unknown) {
      if (!state.deferred && !state.replied) throw new Error("InteractionNotReplied");
      record("editReply", o);
      state.replied = true;
    },
    async followUp(o: unknown) {
      if (!state.deferred && !state.replied) throw new Error("InteractionNotReplied");
      record("followUp", o);
    },
  };
  return { interaction: interaction as unknown as Interaction, calls };
}

/** A member's message as discord.js gives it to the bot; replies and edits are recorded. */
export function fakeMessage(
  content: string,
  where: Where & { mentionsUser?: string; mentionsRole?: { id: string; botId: string }; authorIsBot?: boolean } = {},
): { message: Message; calls: Call[] } {
  const calls: Call[] = [];
  const guildId = where.guildId === undefined ? GUILD : where.guildId;
  const record = (method: Call["method"], o: unknown) => calls.push({ method, options: (o ?? {}) as Record<string, unknown> });
  const channel = {
    ...channelOf({ ...where, guildId }),
    async sendTyping() {
      record("sendTyping", {});
    },
    async send(o: unknown) {
      record("send", o);
      return sent();
    },
  };
  const sent = (): unknown => ({
    id: id(),
    channel,
    async edit(o: unknown) {
      record("messageEdit", o);
      return this;
    },
    async startThread(o: unknown) {
      record("startThread", o);
      return { id: id() };
    },
  });
  const roles = new Collection<string, { id: string; tags: { botId: string } | null }>();
  if (where.mentionsRole) roles.set(where.mentionsRole.id, { id: where.mentionsRole.id, tags: { botId: where.mentionsRole.botId } });
  const message = {
    id: id(),
    content,
    author: { id: where.userId ?? USER, bot: where.authorIsBot ?? false },
    system: false,
    type: MessageType.Default,
    guildId,
    channel,
    inGuild: () => guildId !== null,
    mentions: { users: new Collection(where.mentionsUser ? [[where.mentionsUser, {}]] : []), roles },
    async reply(o: unknown) {
      record("messageReply", o);
      return sent();
    },
  };
  return { message: message as unknown as Message, calls };
}
