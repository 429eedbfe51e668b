import { readFile } from "node:fs/promises";
import { z } from "zod";
import { errorDetail } from "../errors.js";
import type { Logger } from "../log.js";

/*
 * The optional alias file of a corpus folder (aliases.json): names the
 * articles do not spell out ("vdl" for Ursula von der Leyen, "G7" for the
 * Group of Seven) and words that mean the same in questions ("truce",
 * "ceasefire"). Data a newsroom curates, not code; read leniently like the
 * metadata: a broken file is logged and ignored.
 */

export interface AliasData {
  /** Canonical name (as the articles write it) -> other names for it. */
  readonly aliases: Readonly<Record<string, readonly string[]>>;
  /** Groups of words or phrases that mean the same. */
  readonly synonyms: readonly (readonly string[])[];
}

export const NO_ALIASES: AliasData = { aliases: {}, synonyms: [] };

const fileSchema = z
  .object({
    version: z.literal(1),
    aliases: z.record(z.string().min(1), z.array(z.string().min(1))).default({}),
    synonyms: z.array(z.array(z.string().min(1)).min(2)).default([]),
    $comment: z.string().optional(),
  })
  .strict();

export async function readAliases(file: string, log: Logger): Promise<AliasData> {
  let raw: string;
  try {
    raw = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") log.warn("aliases.unreadable", { file, reason: errorDetail(error) });
    return NO_ALIASES;
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (error) {
    log.warn("aliases.invalid", { file, reason: `not valid JSON: ${errorDetail(error)}` });
    return NO_ALIASES;
  }
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success) {
    log.warn("aliases.invalid", { file, reason: z.prettifyError(parsed.error) });
    return NO_ALIASES;
  }
  return { aliases: parsed.data.aliases, synonyms: parsed.data.synonyms };
}
