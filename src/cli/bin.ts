import { performance } from "node:perf_hooks";
import { readEnv, type Env } from "../config.js";
import { isAppError } from "../errors.js";
import { forTerminal, jsonForTerminal } from "../text/terminal-safe.js";
import { runMain } from "./main.js";

let env: Env;
try {
  env = readEnv(process.cwd());
} catch (error) {
  process.stderr.write(`${forTerminal(isAppError(error) ? error.userMessage : String(error))}\n`);
  process.exit(2);
}
// Ctrl-C / SIGTERM stop long-running commands gracefully; a second one, a moment later, exits at once.
// "A moment later": under npm (`npm start`, `npm run ingest`) one Ctrl-C arrives twice, from the
// terminal (to the whole process group) and forwarded by npm, and systemd's default KillMode sends
// SIGTERM to every process of the unit; a copy within REPEAT_MS is the same request, not a second.
const REPEAT_MS = 1_000;
const stop = new AbortController();
let firstSignalAt = 0;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (!stop.signal.aborted) {
      firstSignalAt = performance.now();
      stop.abort();
    } else if (performance.now() - firstSignalAt > REPEAT_MS) {
      process.exit(130);
    }
  });
}
// `npm run -s ask … | head`: the reader has gone, so the rest of the output has nowhere to go. Stop
// quietly, as other command-line tools do, instead of an EPIPE stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") throw error;
    process.exit();
  });
}
// A long-running bot must survive a stray rejection; it is reported, not fatal.
process.on("unhandledRejection", (reason) => {
  process.stderr.write(`${new Date().toISOString()} ERROR unhandled_rejection ${jsonForTerminal(String((reason as Error)?.stack ?? reason))}\n`);
});

process.exitCode = await runMain(process.argv.slice(2), {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env,
  cwd: process.cwd(),
  signal: stop.signal,
});
// Anything still holding the event loop (sockets being closed, timers) must not keep a finished command alive.
if (process.argv[2] === "bot") process.exit();
