import { parseArgs } from "node:util";
import type { App } from "../app.js";
import { renderIngestSummary } from "../render/terminal.js";
import { jsonForTerminal } from "../text/terminal-safe.js";
import { EXIT, type CliIo } from "./io.js";

export async function ingestCommand(args: string[], io: CliIo, app: App): Promise<number> {
  const { values } = parseArgs({ args, options: { force: { type: "boolean", default: false }, json: { type: "boolean", default: false } } });
  const summary = await app.ingest({ force: values.force });
  io.stdout.write(values.json ? `${jsonForTerminal(summary)}\n` : `${renderIngestSummary(summary)}\n`);
  return summary.writeError ? EXIT.failed : EXIT.ok;
}
