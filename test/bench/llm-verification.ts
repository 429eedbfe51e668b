/*
 * npm run bench:llm
 *
 * Generated answers through the real LangChain client against the local fake
 * OpenAI-compatible server: (1) the scripted cases of the test suite, with
 * what verification kept, moved, dropped and added; (2) the dev question set
 * answered by a stand-in model that restates and cites passages, some of its
 * citations deliberately wrong, for the time verification adds per answer.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createApp } from "../../src/app.js";
import { loadConfig } from "../../src/config.js";
import { parseQaFile } from "../../src/eval/qa-file.js";
import { percentile } from "../../src/eval/run-eval.js";
import type { Answer } from "../../src/types.js";
import { startFakeLlm, type ChatRequest, type Reply } from "../fakes/fake-llm.js";

const REPO = path.resolve(import.meta.dirname, "../..");
let script: (req: ChatRequest) => Reply = () => ({ kind: "text", content: "NOT_IN_PASSAGES" });
const fake = await startFakeLlm((req) => script(req));
const dataDir = await mkdtemp(path.join(os.tmpdir(), "summit-bench-llm-"));
const config = loadConfig(
  {
    EMBEDDER: process.env.EMBEDDER ?? "use",
    DATA_DIR: dataDir,
    LOG_LEVEL: "silent",
    LLM_PROVIDER: "openai",
    LLM_MODEL: "fake-model",
    LLM_BASE_URL: fake.baseUrl,
    LLM_MAX_RETRIES: "0",
    LLM_TIMEOUT_MS: "2000",
  },
  REPO,
);
const app = createApp(config);
await app.ready();

const userOf = (req: ChatRequest) => String(req.body.messages.find((m) => m.role === "user")?.content ?? "");
const passageWith = (req: ChatRequest, needle: string) =>
  Number([...userOf(req).matchAll(/<passage n="(\d+)">([\s\S]*?)<\/passage>/g)].find((m) => m[2]?.includes(needle))?.[1] ?? 0);
const text = (content: string): Reply => ({ kind: "text", content, chunkSize: 16 });
const Q = "Which countries did Xi visit after France?";

const cases: [string, (req: ChatRequest) => Reply][] = [
  ["good cited answer", (r) => text(`After France, Xi is scheduled to travel to Serbia and Hungary [${passageWith(r, "Serbia")}].`)],
  ["citation to a passage that does not exist", () => text("After France, Xi is scheduled to travel to Serbia and Hungary [42].")],
  ["citation to the wrong passage", (r) => text(`After France, Xi is scheduled to travel to Serbia and Hungary [${passageWith(r, "Serbia") === 1 ? 2 : 1}].`)],
  ["uncited claim + unsupported cited claim", (r) => text(`After France, Xi is scheduled to travel to Serbia and Hungary. He also signed a nuclear deal with Poland [${passageWith(r, "Serbia")}].`)],
  ["all claims unsupported", () => text("Xi signed a nuclear energy agreement with Poland [1]. He announced new tariffs on cognac [2].")],
  ["refusal", () => text("NOT_IN_PASSAGES")],
  ["slow reply past the timeout", () => ({ kind: "hang" })],
  ["HTTP 429", () => ({ kind: "status", status: 429 })],
  ["HTTP 500", () => ({ kind: "status", status: 500 })],
  ["malformed JSON", () => ({ kind: "malformed", raw: "{not json" })],
];

const rows: string[] = [];
const totals = { given: 0, kept: 0, moved: 0, dropped: 0, added: 0 };
const stat = (a: Answer) => a.generation?.stats;
for (const [name, reply] of cases) {
  script = reply;
  const a = await app.ask(Q);
  const s = stat(a);
  if (s) {
    totals.given += s.citationsGiven;
    totals.kept += s.citationsKept;
    totals.moved += s.citationsMoved;
    totals.dropped += s.citationsDropped;
    totals.added += s.citationsAdded;
  }
  rows.push(
    `${name.padEnd(42)} ${String(a.generation?.outcome).padEnd(9)} ${s ? `given ${s.citationsGiven} kept ${s.citationsKept} moved ${s.citationsMoved} dropped ${s.citationsDropped} added ${s.citationsAdded}; claims ${s.claimsKept}/${s.claims}` : "-"}${a.generation?.reason ? `  (${a.generation.reason})` : ""}`,
  );
}

// A stand-in model for the dev set: restates the first sentence of passage 1 and cites it;
// every third answer cites passage 2 instead (a wrong citation for verification to move).
let k = 0;
script = (req) => {
  const first = /<passage n="1">\n[^\n]*\n([^\n]*?[.!?])(\s|$)/.exec(userOf(req))?.[1] ?? "NOT_IN_PASSAGES";
  return text(`${first.replace(/[‹›]/g, "")} [${++k % 3 === 0 ? 2 : 1}]`);
};
const qa = parseQaFile(await readFile(path.join(REPO, "test/eval/dev-qa.jsonl"), "utf8"));
const verifyMs: number[] = [];
const dev = { given: 0, kept: 0, moved: 0, dropped: 0, used: 0, fallback: 0, skipped: 0 };
for (const item of qa) {
  const a = await app.ask(item.question);
  const g = a.generation;
  if (!g) continue;
  dev[g.outcome]++;
  if (g.stats) {
    verifyMs.push(g.verifyMs);
    dev.given += g.stats.citationsGiven;
    dev.kept += g.stats.citationsKept;
    dev.moved += g.stats.citationsMoved;
    dev.dropped += g.stats.citationsDropped;
  }
}

await fake.close();
await rm(dataDir, { recursive: true, force: true });
const pct = (n: number, d: number) => `${d ? ((100 * n) / d).toFixed(0) : 0}%`;
process.stdout.write(
  [
    "Scripted cases (the model's reply -> what verification did):",
    ...rows.map((r) => `  ${r}`),
    `  citations given ${totals.given}: kept ${totals.kept} (${pct(totals.kept, totals.given)}), moved ${totals.moved} (${pct(totals.moved, totals.given)}), dropped ${totals.dropped} (${pct(totals.dropped, totals.given)}); added to uncited claims ${totals.added}`,
    "",
    `Dev set (${qa.length} questions), stand-in model restating passage 1 (every 3rd citation wrong):`,
    `  model answer used ${dev.used}, fell back ${dev.fallback}, not asked ${dev.skipped}`,
    `  citations given ${dev.given}: kept ${dev.kept} (${pct(dev.kept, dev.given)}), moved ${dev.moved} (${pct(dev.moved, dev.given)}), dropped ${dev.dropped} (${pct(dev.dropped, dev.given)})`,
    `  verification time per answer: p50 ${percentile(verifyMs, 50).toFixed(2)} ms, p95 ${percentile(verifyMs, 95).toFixed(2)} ms, max ${Math.max(...verifyMs).toFixed(2)} ms`,
  ].join("\n") + "\n",
);
