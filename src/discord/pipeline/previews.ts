import { renderPreview } from "../../render/discord.js";
import type { BotContext } from "../context.js";
import type { Responder } from "./request.js";

/** Shortest time between two preview edits while a model writes (Discord rate-limits edits). */
export const PREVIEW_INTERVAL_MS = 1000;

export interface Previews {
  show(text: string): void;
  /** Waits for the edit in flight and stops further ones, so the checked answer (or an error) is the last word. */
  done(): Promise<void>;
}

/**
 * Shows a model's text where the answer will be as it is written: at most
 * one edit at a time and about one a second, always the latest text, marked
 * as not yet checked. Works for every entry point through its responder
 * (the deferral of /ask, the reply to a mention).
 */
export function previewer(responder: Responder, ctx: Pick<BotContext, "now" | "shuttingDown" | "log">): Previews {
  let last = -Infinity;
  let latest: string | null = null;
  let inFlight: Promise<void> | null = null;
  let finished = false;
  const send = () => {
    if (finished || inFlight || latest === null || ctx.now() - last < PREVIEW_INTERVAL_MS) return;
    const text = latest;
    latest = null;
    last = ctx.now();
    inFlight = responder
      .preview(renderPreview(text))
      .then(
        () => undefined,
        (error: unknown) => ctx.log.warn("preview.failed", { error }),
      )
      .finally(() => {
        inFlight = null;
      });
  };
  return {
    show(text) {
      if (ctx.shuttingDown()) finished = true;
      latest = text;
      send();
    },
    async done() {
      finished = true;
      await inFlight;
    },
  };
}
