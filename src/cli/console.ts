import { createInterface } from "node:readline";
import type { App } from "../app.js";
import { AppError, isAppError } from "../errors.js";
import { renderAnswer, renderArticles, renderIngestSummary } from "../render/terminal.js";
import { cleanQuestion } from "../text/question.js";
import { forTerminal, printableLength } from "../text/terminal-safe.js";
import { EXIT, type CliIo } from "./io.js";

const HELP = `Ask a question about the EU–China summit articles, e.g.
  What did von der Leyen say about dual-use goods?
  Which countries did Xi visit after France?
Commands:
  /articles     list the articles I can quote
  /debug        toggle the retrieval trace (passages, scores, timings)
  /new          start a new conversation (follow-ups are read against the last question)
  /ingest       re-read the articles folder and update the index
  /help         this text
  /quit         leave (or Ctrl-D)`;

/**
 * The dev console: one question per line, answers rendered for a terminal.
 * A bad question or a failed command prints a message and the loop goes on.
 */
/** Where every line of a model's unchecked draft starts. */
const DRAFT_MARGIN = "│ ";

export async function consoleCommand(io: CliIo, app: App, reportError: (e: unknown) => string): Promise<number> {
  const rl = createInterface({ input: io.stdin, output: io.stdout as NodeJS.WritableStream, terminal: Boolean(io.stdout.isTTY) });
  // Take the iterator now: lines typed (or piped) while the index loads are buffered, not lost.
  const lines = rl[Symbol.asyncIterator]();
  // Everything printed may quote a question, a file name or an error about them.
  const say = (s: string) => io.stdout.write(`${forTerminal(s)}\n`);
  say("Summit bot dev console. Loading the articles and the index…");
  try {
    const summary = await app.ready();
    await app.warmUp();
    say(`Ready: ${summary.articles} articles, ${summary.chunks} passages (embedder ${summary.embedder}). Type /help for commands.`);
  } catch (error) {
    say(reportError(error));
    if (isAppError(error)) say("Fix the problem above and type /ingest to retry, or /quit.");
  }
  let debug = false;
  let previous: string | null = null;
  // Builds another process (`npm run ingest`) makes current are picked up between questions.
  const stopFollowing = app.followIndex();
  rl.setPrompt("summit> ");
  rl.prompt();
  try {
    for await (const line of { [Symbol.asyncIterator]: () => lines }) {
      const input = line.trim();
      try {
        if (input === "") {
          // nothing to do
        } else if (input === "/quit" || input === "/exit") {
          break;
        } else if (input === "/help") {
          say(HELP);
        } else if (input === "/articles") {
          say(renderArticles(await app.articles()));
        } else if (input === "/debug") {
          debug = !debug;
          say(`Retrieval trace ${debug ? "on" : "off"}.`);
        } else if (input === "/new") {
          previous = null;
          say("New conversation.");
        } else if (input === "/ingest") {
          say(renderIngestSummary(await app.ingest()));
        } else if (input.startsWith("/")) {
          throw new AppError("BAD_USAGE", `Unknown command ${input.split(" ")[0]}. Type /help for the list.`);
        } else {
          // Refuse bad input as typed, before reading it as a follow-up.
          const typed = cleanQuestion(input, app.config.answer.maxQuestionChars);
          const question = previous ? await app.standaloneQuestion(previous, typed) : typed;
          if (question !== typed) say(`(understood as: ${question})`);
          // A language model's text is shown as it arrives, under a header that says it is a draft,
          // then the checked answer is printed in full.
          let drafting = false;
          let shown = 0;
          const answer = await app.ask(question, {
            onPartial: (text) => {
              // The header comes with the first text there is to show (answerWithLlm streams no reasoning), once per answer.
              if (!drafting && printableLength(text) === 0) return;
              if (!drafting) io.stdout.write(`── draft from the model, not yet checked against the articles ──\n${DRAFT_MARGIN}`);
              drafting = true;
              // A new generation (the corpus changed under the first) starts over.
              if (text.length < shown) {
                io.stdout.write(`\n── starting over ──\n${DRAFT_MARGIN}`);
                shown = 0;
              }
              // Model text must not move the cursor or clear the screen, and every line of it is in the margin,
              // so a draft cannot print a header of the console's own ("── checked answer ──").
              const upTo = Math.max(shown, printableLength(text));
              io.stdout.write(forTerminal(text.slice(shown, upTo)).replace(/\n/g, `\n${DRAFT_MARGIN}`));
              shown = upTo;
            },
          });
          if (drafting) {
            const used = answer.generation?.outcome === "used";
            say(`\n── ${used ? "checked answer" : `not verified (${answer.generation?.reason ?? "unknown reason"}); quoting the articles instead`} ──`);
          }
          say(renderAnswer(answer, { debug }));
          previous = answer.question;
        }
      } catch (error) {
        say(reportError(error));
      }
      say("");
      rl.prompt();
    }
  } finally {
    // Also when reading stdin fails: the watcher must not keep the process alive.
    stopFollowing();
    rl.close();
    await app.close();
  }
  return EXIT.ok;
}
