import { ButtonStyle, ComponentType } from "discord.js";
import type { APIActionRowComponent, APIButtonComponentWithCustomId } from "discord-api-types/v10";

/*
 * The one owner of button custom ids: what a button under an answer carries
 * (which answer, which action) and how a click is read back. Ids are at most
 * 100 characters (Discord's limit). src/discord/buttons/ handles the clicks.
 */

/**
 * An answer's id as the bot makes it: base64url, 8 characters from 6 random
 * bytes (up to 64 allowed, so longer ids stay valid).
 */
export function isAnswerId(id: string): boolean {
  return /^[A-Za-z0-9_-]{8,64}$/.test(id);
}

export type ButtonAction =
  | { readonly kind: "sources"; readonly answerId: string }
  | { readonly kind: "feedback"; readonly vote: "up" | "down"; readonly answerId: string };

export function buttonId(action: ButtonAction): string {
  return action.kind === "sources" ? `sources:${action.answerId}` : `feedback:${action.vote}:${action.answerId}`;
}

/** The action a click asks for, or null for an id this bot did not make (or an older format). */
export function parseButtonId(customId: string): ButtonAction | null {
  const [kind, a, b, ...extra] = customId.split(":");
  if (extra.length > 0) return null;
  if (kind === "sources" && a !== undefined && b === undefined && isAnswerId(a)) return { kind, answerId: a };
  if (kind === "feedback" && (a === "up" || a === "down") && b !== undefined && isAnswerId(b)) return { kind, vote: a, answerId: b };
  return null;
}

/** The row under an answer: Sources (when it cites anything), 👍 and 👎. */
export function answerButtons(answerId: string, withSources: boolean): APIActionRowComponent<APIButtonComponentWithCustomId> {
  const button = (action: ButtonAction, emoji: string, label?: string): APIButtonComponentWithCustomId => ({
    type: ComponentType.Button,
    style: ButtonStyle.Secondary,
    ...(label ? { label } : {}),
    emoji: { name: emoji },
    custom_id: buttonId(action),
  });
  return {
    type: ComponentType.ActionRow,
    components: [
      ...(withSources ? [button({ kind: "sources", answerId }, "📚", "Sources")] : []),
      button({ kind: "feedback", vote: "up", answerId }, "👍"),
      button({ kind: "feedback", vote: "down", answerId }, "👎"),
    ],
  };
}
