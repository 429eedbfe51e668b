import { readFile } from "node:fs/promises";
import { z } from "zod";
import { errorDetail } from "../errors.js";
import type { Logger } from "../log.js";
import type { ArticleMeta, Attributed, SummitEvent } from "../types.js";

/*
 * The metadata file is optional and hand-edited, so it is read leniently:
 * a broken entry is logged and replaced by what can be read off the text,
 * and never stops the corpus from loading.
 */

const basis = z.enum(["stated", "inferred", "unknown"]);
const attributed = <T extends z.ZodType>(value: T) =>
  z.object({ value, basis, note: z.string().optional() }).strict();

/** Longest web address accepted for an article (before and after normalising). */
export const MAX_URL_CHARS = 2000;
const URL_PROTOCOLS = new Set(["http:", "https:"]);

/**
 * An article's `url` as the metadata states it: an absolute http: or https:
 * address, returned as `URL.href` (so "HTTPS://Example.com" is
 * "https://example.com/"); anything else gives the reason it is refused.
 */
export function parseArticleUrl(raw: string): { url: string } | { reason: string } {
  const expected = "url must be an absolute http: or https: address";
  if (raw.length > MAX_URL_CHARS) return { reason: `${expected} of at most ${MAX_URL_CHARS} characters; this one has ${raw.length}` };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { reason: `${expected}; this one is relative or malformed` };
  }
  if (!URL_PROTOCOLS.has(url.protocol)) {
    const scheme = url.protocol.length > 20 ? `${url.protocol.slice(0, 20)}…` : url.protocol;
    return { reason: `${expected}; the scheme ${JSON.stringify(scheme)} is not accepted` };
  }
  if (url.href.length > MAX_URL_CHARS) {
    return { reason: `${expected} of at most ${MAX_URL_CHARS} characters; this one has ${url.href.length} once normalised` };
  }
  return { url: url.href };
}

const articleUrl = z.string().transform((raw, ctx) => {
  const parsed = parseArticleUrl(raw);
  if ("url" in parsed) return parsed.url;
  ctx.issues.push({ code: "custom", message: parsed.reason, input: raw });
  return z.NEVER;
});

const articleMetaSchema = z
  .object({
    title: attributed(z.string().min(1)),
    outlet: attributed(z.string().min(1).nullable()),
    date: attributed(z.string().regex(/^\d{4}-\d{2}(-\d{2})?$/).nullable()).extend({
      kind: z.enum(["event", "publication"]),
    }),
    place: attributed(z.string().min(1).nullable()),
    event: attributed(z.string().min(1).nullable()),
    peopleQuoted: attributed(z.array(z.string().min(1))),
    // Only ever stated (nothing in an article's text gives its address), so a plain string, not {value, basis}.
    url: articleUrl.nullable().default(null),
  })
  .strict();

const eventSchema = z
  .object({
    id: z.string().min(1),
    name: z.string().min(1),
    place: attributed(z.string().min(1)),
    date: attributed(z.string().regex(/^\d{4}-\d{2}(-\d{2})?$/)),
    participants: z.array(z.string().min(1)),
  })
  .strict();

const fileSchema = z.object({
  version: z.literal(1),
  events: z.array(z.unknown()).default([]),
  articles: z.record(z.string(), z.unknown()).default({}),
});

export interface Metadata {
  readonly events: readonly SummitEvent[];
  readonly articles: ReadonlyMap<string, ArticleMeta>;
}

const EMPTY: Metadata = { events: [], articles: new Map() };

export async function readMetadata(file: string, log: Logger): Promise<Metadata> {
  let raw: string;
  try {
    raw = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") {
      log.warn("metadata.unreadable", { file, reason: errorDetail(error) });
    }
    return EMPTY;
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (error) {
    log.warn("metadata.invalid", { file, reason: `not valid JSON: ${errorDetail(error)}` });
    return EMPTY;
  }
  const top = fileSchema.safeParse(json);
  if (!top.success) {
    log.warn("metadata.invalid", { file, reason: z.prettifyError(top.error) });
    return EMPTY;
  }
  const events: SummitEvent[] = [];
  for (const entry of top.data.events) {
    const parsed = eventSchema.safeParse(entry);
    if (parsed.success) events.push(parsed.data);
    else log.warn("metadata.event_invalid", { file, reason: z.prettifyError(parsed.error) });
  }
  const articles = new Map<string, ArticleMeta>();
  for (const [source, entry] of Object.entries(top.data.articles)) {
    const parsed = articleMetaSchema.safeParse(entry);
    if (parsed.success) articles.set(source, parsed.data);
    else log.warn("metadata.article_invalid", { file, source, reason: z.prettifyError(parsed.error) });
  }
  return { events, articles };
}

const unknown = <T>(value: T): Attributed<T> => ({ value, basis: "unknown" });

/** Metadata for an article nobody described: a title from its first line, the rest unknown. */
export function inferMeta(text: string, source: string): ArticleMeta {
  const firstLine = text
    .split(/\r?\n/)
    .map((line) => line.replace(/^#+\s*/, "").trim())
    .find((line) => line.length > 0);
  const title = firstLine && firstLine.length <= 200 ? firstLine : source;
  return {
    title: { value: title, basis: "inferred", note: "first line of the file" },
    outlet: unknown(null),
    date: { ...unknown(null), kind: "publication" },
    place: unknown(null),
    event: unknown(null),
    peopleQuoted: unknown([]),
    url: null,
  };
}
