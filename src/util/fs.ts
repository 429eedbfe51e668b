import { mkdir, stat } from "node:fs/promises";
import path from "node:path";

/**
 * Creates `dir` and its missing parents one level at a time. fs.mkdir with
 * `recursive` loops forever (100 % CPU) under a path the kernel refuses with
 * ENOENT although the parent exists, such as /proc/1/nope (Node 20).
 */
export async function ensureDir(dir: string): Promise<void> {
  try {
    await mkdir(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EEXIST") {
      if (!(await stat(dir)).isDirectory()) throw error;
      return;
    }
    const parent = path.dirname(dir);
    if (code !== "ENOENT" || parent === dir) throw error;
    await ensureDir(parent);
    // A second ENOENT (the parent exists now) is final.
    await mkdir(dir).catch((again: NodeJS.ErrnoException) => {
      if (again.code !== "EEXIST") throw again;
    });
  }
}
