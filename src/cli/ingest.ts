import { parseArgs } from "node:util";
import { SingleBar } from "cli-progress";
import type { App } from "../app.js";
import { ProgressMeter, progressTiming } from "../ingest/progress.js";
import type { IngestProgress } from "../ingest/sync-index.js";
import { renderIngestSummary } from "../render/terminal.js";
import { jsonForTerminal } from "../text/terminal-safe.js";
import { EXIT, type CliIo } from "./io.js";

export async function ingestCommand(args: string[], io: CliIo, app: App): Promise<number> {
  const { values } = parseArgs({ args, options: { force: { type: "boolean", default: false }, json: { type: "boolean", default: false } } });
  // On a terminal, a bar on stderr; otherwise the app's own progress log lines (stdout stays the summary alone).
  const stderr = io.stderr as TerminalStream;
  const bar = stderr.isTTY === true ? progressBar(stderr) : null;
  let summary;
  try {
    summary = await app.ingest({ force: values.force, ...(bar ? { onProgress: bar.onProgress } : {}) });
  } finally {
    bar?.stop();
  }
  io.stdout.write(values.json ? `${jsonForTerminal(summary)}\n` : `${renderIngestSummary(summary)}\n`);
  return summary.writeError ? EXIT.failed : EXIT.ok;
}

/** What cli-progress needs of a stream: readline moves its cursor by writing escape sequences to it. */
interface TerminalStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** Chunks to embed from which the bar is drawn as soon as embedding starts: the seeds (42) take a few seconds. */
const BAR_AT_ONCE_CHUNKS = 64;

const PHASE_LABEL: Record<IngestProgress["phase"], string> = {
  reading: "Reading  ",
  embedding: "Embedding",
  analysing: "Analysing",
  writing: "Writing  ",
};

/**
 * A cli-progress bar of one build's chunks embedded, with the articles done,
 * the rate and the time left. It appears when embedding starts if there are
 * BAR_AT_ONCE_CHUNKS chunks or more to embed, otherwise only once the build has
 * run for progressTiming.barDelayMs; and is cleared from the terminal when the build
 * starts writing (so the log line that follows starts on a clean line) or
 * stops.
 */
function progressBar(stream: TerminalStream): { onProgress: (p: IngestProgress) => void; stop: () => void } {
  const meter = new ProgressMeter(progressTiming.now);
  let bar: SingleBar | null = null;
  const stop = () => {
    bar?.stop();
    bar = null;
  };
  let done = false;
  const onProgress = (p: IngestProgress) => {
    const stats = meter.update(p);
    if (ProgressMeter.isStart(p)) done = false;
    if (done) return;
    if (p.phase === "writing") {
      done = true;
      stop();
      return;
    }
    // A bar at once for a big job (its first slice alone may take seconds); for a small one, only if it turns out slow.
    if (!bar && stats.elapsedMs < progressTiming.barDelayMs && !(p.phase === "embedding" && p.chunksTotal >= BAR_AT_ONCE_CHUNKS)) return;
    const payload = {
      phase: PHASE_LABEL[p.phase],
      articles: p.articlesDone,
      articlesTotal: p.articlesTotal,
      rate: stats.perSecond === null ? "-" : stats.perSecond.toFixed(1),
      left: stats.etaSeconds === null ? "-" : formatSeconds(stats.etaSeconds),
    };
    if (!bar) {
      bar = new SingleBar({
        stream: stream as NodeJS.WritableStream,
        format: "{phase} [{bar}] {value}/{total} chunks | {articles}/{articlesTotal} articles | {rate} chunks/s | ETA {left}",
        barsize: 24,
        fps: 5,
        clearOnComplete: true,
        // No terminal modes to restore: a second Ctrl-C exits at once, and must not leave the cursor hidden or wrapping off.
        hideCursor: false,
        linewrap: true,
      });
      bar.start(Math.max(p.chunksTotal, 1), p.chunksDone, payload);
    } else {
      bar.setTotal(Math.max(p.chunksTotal, 1));
      bar.update(p.chunksDone, payload);
    }
  };
  return { onProgress, stop };
}

/** 42s, 3m05s, 1h02m. */
export function formatSeconds(seconds: number): string {
  const s = Math.ceil(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}
