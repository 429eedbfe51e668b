import type { IngestSummary } from "../ingest/sync-index.js";
import { truncate } from "../text/graphemes.js";
import { forTerminal } from "../text/terminal-safe.js";
import type { Answer, Article, Citation } from "../types.js";

/*
 * Plain-text renderings for a terminal. Pure functions: data in, string out.
 * Each exported rendering passes through forTerminal, because nearly every
 * string in it (article text, titles, file names, model text) came from outside.
 */

const WIDTH = 88;

/** Greedy word wrap; words longer than the width stay whole. */
export function wrap(text: string, width = WIDTH, indent = ""): string {
  const lines: string[] = [];
  for (const paragraph of text.split("\n")) {
    let line = "";
    for (const word of paragraph.split(/\s+/).filter(Boolean)) {
      if (line && indent.length + line.length + 1 + word.length > width) {
        lines.push(indent + line);
        line = word;
      } else {
        line = line ? `${line} ${word}` : word;
      }
    }
    lines.push(indent + line);
  }
  return lines.join("\n");
}

const INFERRED = " (inferred)";

export function describeSource(c: Pick<Citation, "title" | "outlet" | "date" | "source" | "basis">): string {
  const mark = (basis: string) => (basis === "inferred" ? INFERRED : "");
  const outlet = c.outlet ? `${c.outlet}${mark(c.basis.outlet)}` : "outlet unknown";
  const date = c.date ? `${c.date}${mark(c.basis.date)}` : "date unknown";
  return `${c.title}${mark(c.basis.title)} — ${outlet}, ${date} (${c.source})`;
}

export function renderAnswer(answer: Answer, options: { debug?: boolean } = {}): string {
  const out: string[] = [wrap(answer.text)];
  if (answer.citations.length) {
    out.push("", "Sources:");
    for (const c of answer.citations) {
      // The web address last, in angle brackets: a URL.href holds no "<", ">" or space, so the link ends where they do.
      const url = c.url ? ` <${c.url}>` : "";
      out.push(wrap(`[${c.n}] ${describeSource(c)}, characters ${c.start}–${c.end}${url}`, WIDTH, ""));
    }
  }
  if (options.debug) out.push("", renderTrace(answer));
  return forTerminal(out.join("\n"));
}

const fmt = (x: number) => x.toFixed(3);
const ms = (x: number) => `${x.toFixed(1)} ms`;

/** The retrieval trace: every passage with its scores and ranks, and where the time went. */
export function renderTrace(answer: Answer): string {
  const t = answer.timings;
  const out = [
    `Trace — retrieval: ${answer.retrieval.mode}, embedder: ${answer.retrieval.embedder}, confidence: ${fmt(answer.confidence)}${answer.abstained ? " (abstained)" : ""}`,
    `  #  fused  lexical(rank)  dense(rank)  source                      span`,
  ];
  answer.passages.forEach((p, i) => {
    const lex = `${fmt(p.lexical)}(${p.lexicalRank ?? "-"})`.padEnd(13);
    const dense = `${fmt(p.dense)}(${p.denseRank ?? "-"})`.padEnd(11);
    out.push(`  ${String(i + 1).padStart(2)} ${fmt(p.score)}  ${lex}  ${dense}  ${p.chunk.source.padEnd(27)} ${p.chunk.start}–${p.chunk.end}`);
    out.push(wrap(truncate(p.chunk.text.replace(/\s+/g, " "), 160), WIDTH, "       "));
  });
  out.push(
    `  timings: lexical ${ms(t.lexicalMs)}, query embedding ${ms(t.embedMs)}, dense ${ms(t.denseMs)}, compose ${ms(t.composeMs)}, total ${ms(t.totalMs)}`,
  );
  const g = answer.generation;
  if (g) {
    out.push(`  model ${g.model}: ${g.outcome}${g.reason ? ` (${g.reason})` : ""}; generation ${ms(g.generateMs)}, verification ${ms(g.verifyMs)}`);
    if (g.stats) {
      const v = g.stats;
      out.push(
        `  verification: ${v.claimsKept}/${v.claims} claims kept; citations given ${v.citationsGiven}, kept ${v.citationsKept}, moved ${v.citationsMoved}, dropped ${v.citationsDropped}, added ${v.citationsAdded}`,
      );
    }
  }
  return forTerminal(out.join("\n"));
}

export function renderArticles(articles: readonly Article[]): string {
  return forTerminal(articles
    .map((a, i) => {
      const m = a.meta;
      const inferred = (basis: string) => (basis === "inferred" ? INFERRED : "");
      return [
        `${i + 1}. ${m.title.value}${inferred(m.title.basis)}`,
        `   ${m.outlet.value ?? "outlet unknown"}${inferred(m.outlet.basis)} · ${m.date.value ?? "date unknown"}${inferred(m.date.basis)} · ${m.place.value ?? "place unknown"} · ${a.source}`,
      ].join("\n");
    })
    .join("\n"));
}

const secs = (x: number) => `${(x / 1000).toFixed(2)} s`;

export function renderIngestSummary(s: IngestSummary): string {
  const t = s.timings;
  const lines = [
    `Index: ${s.articles} articles, ${s.chunks} chunks, embedder ${s.embedder}.`,
    s.rebuilt ? `Rebuilt from scratch: ${s.rebuilt}.` : s.wrote ? "Updated incrementally." : "Already up to date; nothing to do.",
    `Re-embedded ${s.embedded} chunks: ${s.added.length} new article(s)${list(s.added)}, ${s.changed.length} changed${list(s.changed)}, ${s.removed.length} removed${list(s.removed)}, ${s.unchanged} unchanged.`,
    `Time: ${secs(t.totalMs)} (chunking ${secs(t.chunkMs)}, embedding ${secs(t.embedMs)}, index build ${secs(t.indexMs)}, write ${secs(t.writeMs)}).`,
  ];
  for (const f of s.skipped) lines.push(`Skipped ${f.source}: ${f.reason}.`);
  if (s.writeError) lines.push(`NOT SAVED: ${s.writeError}`);
  return forTerminal(lines.join("\n"));
}

function list(xs: readonly string[]): string {
  return xs.length ? ` (${xs.join(", ")})` : "";
}
