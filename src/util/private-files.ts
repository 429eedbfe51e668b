import { randomBytes } from "node:crypto";
import { chmod, link, open, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { ensureDir } from "./fs.js";

/*
 * Files only their owner may read (0600), written so that a crash leaves a
 * whole old or whole new file, or a torn last line that the next append
 * starts after: the feedback and recent-answers stores of the bot.
 */

export const PRIVATE = 0o600;

/** Appends one line, after a newline if the file does not end with one (a torn last line); creates folder and file as needed. */
export async function appendLine(file: string, line: string): Promise<void> {
  // The data folder may not exist yet, or have been deleted while the bot runs (it is mostly a cache).
  await ensureDir(path.dirname(file));
  const handle = await open(file, "a+", PRIVATE);
  try {
    const { size } = await handle.stat();
    const last = Buffer.alloc(1);
    if (size > 0) await handle.read(last, 0, 1, size - 1);
    await handle.write(`${size > 0 && last[0] !== 0x0a ? "\n" : ""}${line}\n`);
    await handle.datasync();
  } finally {
    await handle.close();
  }
}

/** Files created 0644 (by hand, restored from a backup, or by an older version) are made private when opened. */
export async function makePrivate(file: string): Promise<void> {
  if (((await stat(file)).mode & 0o777) !== PRIVATE) await chmod(file, PRIVATE);
}

/** A catch handler: `value` when the file does not exist, any other error rethrown. */
export const ifMissing =
  <T>(value: T) =>
  (error: unknown): T => {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return value;
    throw error;
  };

/** A catch handler that ignores the error `code` and rethrows any other. */
const unless = (code: string) => (error: unknown) => {
  if ((error as NodeJS.ErrnoException).code !== code) throw error;
};

/**
 * Writes `text` to a private temporary file beside `file`, syncs it, then puts
 * it in place whole: renamed over (`replace`), or linked only if `file` does
 * not exist yet (`create`: two processes racing both end up with the first one's file).
 */
export async function writeFileAtomically(file: string, text: string, mode: "replace" | "create"): Promise<void> {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  const handle = await open(tmp, "wx", PRIVATE);
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    if (mode === "replace") await rename(tmp, file);
    else await link(tmp, file).catch(unless("EEXIST"));
  } finally {
    await rm(tmp, { force: true });
  }
}
