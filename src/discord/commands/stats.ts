import { notice } from "../../render/discord.js";
import { MODERATOR_CHECKS } from "../pipeline/checks.js";
import type { SlashCommand } from "./command.js";
import { moderatorCommandData } from "./moderator.js";

const ms = (v: number | null) => (v === null ? "–" : `${Math.round(v)} ms`);

/** /stats: what the bot answers from and how it has done since it started. */
export function statsCommand(): SlashCommand {
  return {
    kind: "slash",
    data: moderatorCommandData("stats", "Articles, index and answer statistics since start (moderators)", { fr: "Articles, index et statistiques des réponses depuis le démarrage (modération)", de: "Artikel, Index und Antwortstatistik seit dem Start (Moderation)" }),
    checks: MODERATOR_CHECKS,
    defers: false,
    gated: false,
    ephemeral: () => true,
    async run(_r, ctx) {
      const index = ctx.app.indexSummary();
      const s = ctx.stats.snapshot();
      const loadedAt = ctx.indexLoadedAt();
      const lines = [
        index ? `Articles: ${index.articles} · passages: ${index.chunks} · embedder: ${index.embedder}` : "The index is not loaded yet.",
        loadedAt ? `Index loaded ${loadedAt.toISOString().replace(/\.\d+Z$/, "Z")}${index ? ` (build or load took ${(index.timings.totalMs / 1000).toFixed(1)} s)` : ""}` : "",
        `Since ${s.since.toISOString().replace(/\.\d+Z$/, "Z")}: ${s.questions} questions, ${s.answered} answered, ${s.abstained} declined${s.failed ? `, ${s.failed} failed` : ""}`,
        `Abstention rate: ${s.abstentionRate === null ? "–" : `${(s.abstentionRate * 100).toFixed(1)} %`} · latency p50 ${ms(s.p50Ms)}, p95 ${ms(s.p95Ms)}`,
      ].filter(Boolean);
      return { messages: [notice(lines.join("\n"))], outcome: "ok" };
    },
  };
}
