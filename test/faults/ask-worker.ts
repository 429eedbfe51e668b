/*
 * Child process of the fault suite: for each case (a data folder), starts the
 * app on it (createApp, the real index on disk, the tiny offline BERT) and asks
 * the fixed questions. One JSON line per event on stdout: "start" before a case
 * is touched and "done" after, so the parent can tell which case a native crash
 * (a signal, an abort) happened in and go on with the rest in a new worker.
 *
 * argv[2]: a JSON file { env, questions, cases: [{ id, dataDir, corpusDir? }] }.
 */
import { readFile } from "node:fs/promises";
import { createApp } from "../../src/app.js";
import type { Env } from "../../src/config.js";
import { isAppError } from "../../src/errors.js";
import { createEmbedder } from "../../src/ingest/embedders/create-embedder.js";
import { memoryLogger, silentLogger } from "../../src/log.js";
import { testConfig } from "../helpers.js";

export interface WorkerSpec {
  readonly env: Env;
  readonly questions: readonly string[];
  readonly cases: readonly { readonly id: string; readonly dataDir: string; readonly corpusDir?: string }[];
}

/** What one question gave: the answer as a reader sees it, or the error. */
export type AskResult = { readonly text: string; readonly citations: string[] } | { readonly error: string; readonly appError: boolean };

export interface CaseReport {
  readonly id: string;
  readonly event: "done";
  /** Why the index was rebuilt (IngestSummary.rebuilt), or null when it was read as it was. */
  readonly rebuilt: string | null;
  /** index.build / index.rebuild lines the app logged. */
  readonly logLines: string[];
  readonly answers: AskResult[];
}

const spec = JSON.parse(await readFile(process.argv[2] ?? "", "utf8")) as WorkerSpec;
const embedder = await createEmbedder(testConfig(spec.env), silentLogger);
const emit = (line: object) => process.stdout.write(`${JSON.stringify(line)}\n`);

for (const c of spec.cases) {
  emit({ id: c.id, event: "start" });
  const log = memoryLogger("info");
  const app = createApp(testConfig({ ...spec.env, DATA_DIR: c.dataDir, ...(c.corpusDir ? { CORPUS_DIR: c.corpusDir } : {}) }), { log, embedder });
  let rebuilt: string | null = null;
  const answers: AskResult[] = [];
  try {
    rebuilt = (await app.ready()).rebuilt;
    for (const q of spec.questions) {
      try {
        const a = await app.ask(q);
        answers.push({ text: a.text, citations: a.citations.map((x) => `${x.source}:${x.start}-${x.end}`) });
      } catch (error) {
        answers.push({ error: String((error as Error).message ?? error), appError: isAppError(error) });
      }
    }
  } catch (error) {
    answers.push({ error: String((error as Error).message ?? error), appError: isAppError(error) });
  }
  const logLines = log.lines.filter((l) => /index\.(build|rebuild)"/.test(l));
  emit({ id: c.id, event: "done", rebuilt, logLines, answers } satisfies CaseReport);
}
