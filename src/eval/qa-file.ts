import { readFile } from "node:fs/promises";
import { z } from "zod";
import { AppError, errorDetail } from "../errors.js";

/** Kinds of question, for the per-category table (see test/eval/README.md). */
export const QA_CATEGORIES = [
  "fact",
  "paraphrase",
  "who-said-what",
  "person",
  "organisation",
  "place",
  "date",
  "quantity",
  "yes-no",
  "which-meeting",
  "two-part",
  "comparison",
  "list",
  "reason",
  "unknown-entity",
  "speaker-swap",
  "wrong-time",
  "missing-number",
  "later-events",
  "off-topic",
  "missing-detail",
] as const;

export const qaItemSchema = z
  .object({
    id: z.string().min(1),
    question: z.string().min(1),
    answerable: z.boolean(),
    /** File names of the articles that hold the answer. */
    sources: z.array(z.string().min(1)),
    /** Groups of strings; an answer must contain one string of every group (case-insensitive). */
    keywords: z.array(z.array(z.string().min(1)).min(1)),
    /** Questions asked in one (two-part and comparison questions): the leads of that many answer lines count. */
    parts: z.number().int().min(1).max(5).optional(),
    category: z.enum(QA_CATEGORIES).optional(),
  })
  .strict();

export type QaItem = z.infer<typeof qaItemSchema>;

/** Parses a JSONL question file, reporting every bad line with its number. */
export function parseQaFile(text: string, name = "question file"): QaItem[] {
  const items: QaItem[] = [];
  const problems: string[] = [];
  const ids = new Set<string>();
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === "") return;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch (error) {
      problems.push(`line ${i + 1}: not JSON (${errorDetail(error)})`);
      return;
    }
    const parsed = qaItemSchema.safeParse(json);
    if (!parsed.success) {
      problems.push(`line ${i + 1}: ${parsed.error.issues.map((p) => `${p.path.join(".") || "item"}: ${p.message}`).join("; ")}`);
      return;
    }
    if (ids.has(parsed.data.id)) problems.push(`line ${i + 1}: duplicate id ${parsed.data.id}`);
    if (parsed.data.answerable && parsed.data.sources.length === 0) problems.push(`line ${i + 1}: answerable question without sources`);
    ids.add(parsed.data.id);
    items.push(parsed.data);
  });
  if (problems.length) {
    throw new AppError("QA_FILE_INVALID", `${name} has ${problems.length} bad line(s):\n  ${problems.slice(0, 20).join("\n  ")}`);
  }
  if (items.length === 0) throw new AppError("QA_FILE_INVALID", `${name} holds no questions.`);
  return items;
}

export async function readQaFile(file: string): Promise<QaItem[]> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new AppError("QA_FILE_INVALID", `Cannot read ${file}: ${errorDetail(error)}`, { cause: error });
  }
  return parseQaFile(text, file);
}
