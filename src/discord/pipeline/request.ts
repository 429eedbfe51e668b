import type { Message } from "discord.js";
import type { DiscordMessage } from "../../render/discord.js";
import type { BotContext } from "../context.js";

/*
 * What every way of asking the bot has in common, in the manner of
 * Sapphire's preconditions: a request (who asked, where, what), a responder
 * that talks back on the request's own channel (an interaction's reply or a
 * reply to a message), a list of small checks, and a handler. run.ts runs
 * them in the same order for slash commands, context-menu commands, buttons
 * and messages.
 */

/** How the request reached the bot. */
export type EntryKind = "command" | "context_menu" | "button" | "message";

export interface Request<S = unknown> {
  readonly kind: EntryKind;
  /** The command's name, the button's action, or for messages mention/thread/dm/auto. */
  readonly name: string;
  /** The interaction's or message's id (the log's `req`). */
  readonly id: string;
  readonly userId: string;
  readonly guildId: string | null;
  /** The channel asked in; in a thread, the thread's parent (channel scope is set on channels). */
  readonly channelId: string | null;
  readonly inDm: boolean;
  /** ctx.now() when the request arrived (latencies in /stats are measured from here). */
  readonly receivedAt: number;
  /** The discord.js object the request came from. */
  readonly source: S;
  readonly responder: Responder;
}

/** What the wrapper knows about the reply once it is sent. */
export interface SentReply {
  /** The first message sent, when it is a channel message (a reply to a member's message). */
  readonly message: Message | null;
}

/** Talks back on the request's channel; see responders.ts. */
export interface Responder {
  /** Whether the member already sees something (a deferral's "thinking…", a preview, a reply). */
  readonly acknowledged: boolean;
  /** Whether the reply itself (not a deferral or a preview) has been sent. */
  readonly delivered: boolean;
  /** Tells the member the answer is coming, within Discord's 3 seconds (a deferral; typing for messages). */
  acknowledge(ephemeral: boolean): Promise<void>;
  /** Shows a draft where the answer will be (edits the deferral, or the bot's first reply to a message). */
  preview(m: DiscordMessage): Promise<void>;
  /** Sends the reply (replacing the deferral or the preview), then the continuations. */
  send(messages: readonly DiscordMessage[], ephemeral: boolean): Promise<SentReply>;
  /** After sending failed: one attempt to replace what the member sees with `m`. */
  recover(m: DiscordMessage): Promise<void>;
}

/** Why a check refuses a request: the log's outcome and what the member is told (null: nothing). */
export interface Refusal {
  readonly outcome: string;
  readonly message: DiscordMessage | null;
}

/** A small precondition; null lets the request through. */
export type Check<S = unknown> = (req: Request<S>, ctx: BotContext) => Refusal | null | Promise<Refusal | null>;

export interface Reply {
  readonly messages: readonly DiscordMessage[];
  /** The log line's outcome (default "answered"). */
  readonly outcome?: string;
  /** Runs once the messages are sent (a thread opened under the answer, a vote stored). */
  afterSend?(sent: SentReply): Promise<void>;
}

export interface Handler<S = unknown> {
  /** Run in order before anything else; the first refusal is the member's answer. */
  readonly checks: readonly Check<S>[];
  /** Deferred before running (it may take longer than Discord's 3 s); otherwise answered at once. */
  readonly defers: boolean;
  /** Queued behind the concurrency gate: it searches or answers. */
  readonly gated: boolean;
  /** Whether the reply is shown only to the member (interactions); decided before deferring. */
  ephemeral(req: Request<S>): boolean;
  run(req: Request<S>, ctx: BotContext): Promise<Reply>;
}
