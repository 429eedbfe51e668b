import { notice } from "../../render/discord.js";
import { MODERATOR_CHECKS } from "../pipeline/checks.js";
import { MESSAGES } from "../texts.js";
import type { SlashCommand } from "./command.js";
import { moderatorCommandData } from "./moderator.js";

const list = (names: readonly string[]) => (names.length ? `: ${names.slice(0, 10).join(", ")}${names.length > 10 ? `, and ${names.length - 10} more` : ""}` : "");

/** /reload: re-reads the corpus folder and updates the index in place (new, changed and removed articles), then says what changed. */
export function reloadCommand(): SlashCommand {
  return {
    kind: "slash",
    data: moderatorCommandData("reload", "Re-read the articles folder and update the index (moderators)", { fr: "Relire le dossier des articles et mettre l’index à jour (modération)", de: "Den Artikelordner neu lesen und den Index aktualisieren (Moderation)" }),
    checks: MODERATOR_CHECKS,
    defers: true,
    gated: false,
    ephemeral: () => true,
    async run(r, ctx) {
      const summary = await ctx.exclusiveReload(() => ctx.app.ingest());
      if (!summary) return { messages: [notice(MESSAGES.reloadRunning)], outcome: "reload_running" };
      ctx.log.info("reload.done", { req: r.id, user: r.userId, added: summary.added.length, changed: summary.changed.length, removed: summary.removed.length, ms: Math.round(summary.timings.totalMs) });
      const changed = summary.added.length + summary.changed.length + summary.removed.length;
      const lines = [
        changed === 0 && !summary.rebuilt ? "The index was already up to date (articles and metadata re-read)." : `Index updated in ${(summary.timings.totalMs / 1000).toFixed(1)} s.`,
        `${summary.articles} articles, ${summary.chunks} passages (embedder ${summary.embedder}).`,
        ...(summary.added.length ? [`Added ${summary.added.length}${list(summary.added)}.`] : []),
        ...(summary.changed.length ? [`Changed ${summary.changed.length}${list(summary.changed)}.`] : []),
        ...(summary.removed.length ? [`Removed ${summary.removed.length}${list(summary.removed)}.`] : []),
        ...(summary.rebuilt ? [`Rebuilt from scratch: ${summary.rebuilt}.`] : []),
        ...(summary.skipped.length ? [`Skipped ${summary.skipped.length} file(s) that are not articles${list(summary.skipped.map((s) => s.source))}.`] : []),
        ...(summary.writeError ? [`The new index could not be saved (${summary.writeError}); it is used from memory until the next start.`] : []),
      ];
      return { messages: [notice(lines.join("\n"))], outcome: "reloaded" };
    },
  };
}
