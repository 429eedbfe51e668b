import { stat, readFile } from "node:fs/promises";
import path from "node:path";
import type { ChatPromptTemplate, PromptTemplate } from "@langchain/core/prompts";
import { AppError, errorDetail } from "../errors.js";

/*
 * Prompt templates live in files (prompts/ by default) and are read when
 * used, so editing one changes the next answer with no code change or
 * restart. A file is re-read only when its modification time changes.
 */

/**
 * LangChain's prompt module is loaded only when a prompt is built (model mode): it pulls in
 * about 900 files (langsmith among them), 0.4–0.5 s of every start otherwise (measured with
 * `node -e "import('@langchain/core/prompts')"`: 0.53–0.63 s against 0.12 s for an empty node).
 */
const templates = () => import("@langchain/core/prompts");

const cache = new Map<string, { mtimeMs: number; text: string }>();

async function readTemplate(dir: string, name: string): Promise<string> {
  const file = path.join(dir, name);
  try {
    const { mtimeMs } = await stat(file);
    const hit = cache.get(file);
    if (hit && hit.mtimeMs === mtimeMs) return hit.text;
    const text = (await readFile(file, "utf8")).trim();
    cache.set(file, { mtimeMs, text });
    return text;
  } catch (error) {
    throw new AppError("PROMPT_INVALID", `The prompt template ${file} cannot be read (${errorDetail(error)}). Set PROMPTS_DIR to the prompts folder.`, {
      cause: error,
    });
  }
}

function requireVariables(file: string, found: readonly string[], required: readonly string[]): void {
  const missing = required.filter((v) => !found.includes(v));
  if (missing.length) {
    throw new AppError("PROMPT_INVALID", `The prompt template ${file} must contain ${missing.map((v) => `{${v}}`).join(" and ")}.`);
  }
}

/** A system + user chat prompt from `<name>.system.md` and `<name>.user.md`, checked for the variables the code fills. */
export async function chatPrompt(dir: string, name: string, variables: readonly string[]): Promise<ChatPromptTemplate> {
  const [system, user, { ChatPromptTemplate }] = await Promise.all([readTemplate(dir, `${name}.system.md`), readTemplate(dir, `${name}.user.md`), templates()]);
  let prompt: ChatPromptTemplate;
  try {
    prompt = ChatPromptTemplate.fromMessages([
      ["system", system],
      ["human", user],
    ]);
  } catch (error) {
    throw new AppError("PROMPT_INVALID", `The prompt templates ${name}.*.md in ${dir} are malformed (${errorDetail(error)}). Write a literal brace as {{ or }}.`);
  }
  requireVariables(path.join(dir, `${name}.user.md`), prompt.inputVariables, variables);
  return prompt;
}

/** A single-text template (one passage), checked for its variables. */
export async function textPrompt(dir: string, name: string, variables: readonly string[]): Promise<PromptTemplate> {
  const [text, { PromptTemplate }] = await Promise.all([readTemplate(dir, name), templates()]);
  let prompt: PromptTemplate;
  try {
    prompt = PromptTemplate.fromTemplate(text);
  } catch (error) {
    throw new AppError("PROMPT_INVALID", `The prompt template ${path.join(dir, name)} is malformed (${errorDetail(error)}).`);
  }
  requireVariables(path.join(dir, name), prompt.inputVariables, variables);
  return prompt;
}

/**
 * Question and passage text go into the prompt as data between tags; angle
 * brackets are replaced so no text can close a tag and pose as instructions.
 */
export function asData(text: string): string {
  return text.replace(/</g, "‹").replace(/>/g, "›");
}
