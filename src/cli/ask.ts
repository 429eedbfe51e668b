import { parseArgs } from "node:util";
import type { App } from "../app.js";
import { AppError } from "../errors.js";
import { renderAnswer } from "../render/terminal.js";
import { jsonForTerminal } from "../text/terminal-safe.js";
import type { Answer } from "../types.js";
import { EXIT, type CliIo } from "./io.js";

export const ASK_USAGE = `Usage: npm run ask -- [--json] [--debug] "your question"`;

/** The `--json` shape of an answer (a stable contract for scripts). */
export function answerJson(a: Answer) {
  return {
    question: a.question,
    answer: a.text,
    coverage: a.coverage,
    abstained: a.abstained,
    citations: a.citations.map((c) => ({ n: c.n, source: c.source, title: c.title, url: c.url, quote: c.quote, start: c.start, end: c.end })),
    passages: a.passages.map((p) => ({ source: p.chunk.source, score: Number(p.score.toFixed(4)), text: p.chunk.text })),
    ...(a.generation
      ? {
          generation: {
            model: a.generation.model,
            outcome: a.generation.outcome,
            reason: a.generation.reason,
            generate_ms: round(a.generation.generateMs),
            verify_ms: round(a.generation.verifyMs),
            verification: a.generation.stats,
          },
        }
      : {}),
    timings_ms: {
      embed: round(a.timings.embedMs),
      lexical: round(a.timings.lexicalMs),
      dense: round(a.timings.denseMs),
      compose: round(a.timings.composeMs),
      total: round(a.timings.totalMs),
    },
  };
}

const round = (x: number) => Math.round(x * 10) / 10;

export async function askCommand(args: string[], io: CliIo, app: App): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { json: { type: "boolean", default: false }, debug: { type: "boolean", default: false } },
  });
  // No argument at all is a usage mistake; an empty or blank one is a question the app refuses (as JSON with --json).
  if (positionals.length === 0) throw new AppError("BAD_USAGE", `No question given.\n${ASK_USAGE}`);
  const question = positionals.join(" ");
  try {
    const answer = await app.ask(question);
    io.stdout.write(values.json ? `${jsonForTerminal(answerJson(answer))}\n` : `${renderAnswer(answer, { debug: values.debug })}\n`);
    return EXIT.ok;
  } catch (error) {
    if (values.json && error instanceof AppError) {
      io.stdout.write(`${jsonForTerminal({ question, error: { code: error.code, message: error.userMessage } })}\n`);
      return EXIT.failed;
    }
    throw error;
  }
}
