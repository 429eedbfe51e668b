import type { APIActionRowComponent, APIButtonComponentWithCustomId, APIEmbed, APIEmbedField } from "discord-api-types/v10";
import { embedLength, escapeMarkdown, MessageFlags } from "discord.js";
import { truncate } from "../text/graphemes.js";
import type { Answer, Article, Basis, Citation, Passage, SummitEvent } from "../types.js";

/*
 * Answers and lists as Discord message payloads (plain API JSON; of discord.js
 * its markdown escaping, embedLength and enums), within Discord's limits. Text that comes from
 * articles, metadata or members is escaped (escapeText) so it can neither
 * format the message, link, nor mention anyone; the payloads also set
 * allowed_mentions to none. Text is shortened only by `truncate`, on grapheme
 * boundaries.
 */

/**
 * Discord's limits on what a message carries. discord.js exports no
 * constants for these; test/unit/discord/spec-limits.test.ts checks each one
 * against Discord's OpenAPI description, so they come from Discord.
 */
export const LIMITS = {
  content: 2000,
  title: 256,
  description: 4096,
  fieldName: 256,
  fieldValue: 1024,
  fields: 25,
  footer: 2048,
  /** Characters over all embeds of one message (title, description, fields, footer). */
  embedTotal: 6000,
  embedsPerMessage: 10,
  choiceName: 100,
  threadName: 100,
} as const;

const COLOR = { answer: 0x2f6fdb, abstain: 0x8a8f98, list: 0x3aa675 } as const;


export interface DiscordMessage {
  content?: string;
  embeds: APIEmbed[];
  components?: APIActionRowComponent<APIButtonComponentWithCustomId>[];
  /** Always empty: nothing the bot sends may ping anyone. */
  allowedMentions: { parse: []; repliedUser: false };
  flags?: number;
}

const NO_MENTIONS = { parse: [] as [], repliedUser: false as const };

/**
 * The one escaping of text from articles, metadata (titles, outlets, event
 * names), a model or a member for every part of a message where Discord
 * renders markdown: content, embed titles, descriptions, field names and
 * values. Shown as written, it can neither format the message, nor link
 * anywhere, nor mention anyone.
 *
 * discord.js's escapeMarkdown does bold, italics, underline, strikethrough,
 * spoilers, code, backslashes (and, when asked, headings, lists and numbered
 * lists), leaving URLs intact. It does not cover:
 * - masked links: its option escapes only the "[" of a whole `[text](url)`
 *   on one line, so every "[" and "]" is escaped here instead;
 * - block quotes ("> ", ">>> ") and subtext ("-# "), and headings or lists
 *   indented by more than two spaces: a line starting with #, > or - is escaped here;
 * - mentions (@everyone, <@id>, <@&id>, <#id>), slash-command mentions
 *   (</name:id>), custom emoji (<:name:id>), timestamps (<t:…>) and guide links
 *   (<id:…>), which are not markdown: a zero-width space breaks them here.
 * Embed footers, thread names, autocomplete choices and button labels are
 * shown as plain text by Discord (escaping would show the backslashes), so
 * they are only shortened, never escaped; the payloads' allowed_mentions is
 * empty in any case.
 */
export function escapeText(text: string): string {
  return escapeMarkdown(text, { heading: true, bulletedList: true, numberedList: true, maskedLink: false })
    .replace(/[[\]]/g, "\\$&")
    .replace(/^(\s*)([#>-])/gm, "$1\\$2")
    .replace(/@(everyone|here)/gi, "@\u200b$1")
    .replace(/<([@#][!&]?\d|\/|a?:|t:|id:)/g, "<\u200b$1");
}

/** Re-exported: the commands shorten thread names and choices with the same helper; the tests measure with discord.js's embedLength. */
export { embedLength, truncate };

const inferred = (basis: Basis) => (basis === "inferred" ? " (inferred)" : "");

function outletDate(c: Pick<Citation, "outlet" | "date" | "basis">): string {
  const outlet = c.outlet ? `${escapeText(c.outlet)}${inferred(c.basis.outlet)}` : "outlet unknown";
  const date = c.date ? `${c.date}${inferred(c.basis.date)}` : "date unknown";
  return `${outlet}, ${date}`;
}

/**
 * A url as a masked link's target: metadata urls are absolute http(s) (the
 * loader refuses others); characters that would end the link early are
 * percent-encoded, and the angle brackets keep Discord from previewing it.
 */
function linkTarget(url: string): string {
  // encodeURIComponent leaves ( and ) alone, so each character is encoded by hand.
  return `<${url.replace(/[\s()<>[\]]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`)}>`;
}

/** The article's title, escaped, as a link to the article when its metadata has a url (never otherwise). */
function linkedTitle(c: Pick<Citation, "title" | "basis" | "url">, max: number): string {
  const note = inferred(c.basis.title);
  if (!c.url) return truncate(`${escapeText(c.title)}${note}`, max);
  const target = linkTarget(c.url);
  // The link must stay whole: the title is shortened to leave it room; a url too long for the field is left out.
  const room = max - target.length - 4 - note.length;
  if (room < 20) return truncate(`${escapeText(c.title)}${note}`, max);
  return `[${truncate(escapeText(c.title), room)}](${target})${note}`;
}

/** Splits text into pieces of at most `max` characters at line ends, never inside a line unless one line alone is too long. */
function splitLines(text: string, max: number): string[] {
  const out: string[] = [];
  let current = "";
  for (const line of text.split("\n")) {
    const piece = line.length > max ? truncate(line, max) : line;
    if (current && current.length + 1 + piece.length > max) {
      out.push(current);
      current = piece;
    } else {
      current = current ? `${current}\n${piece}` : piece;
    }
  }
  if (current) out.push(current);
  return out;
}

/**
 * A quote line "“…” [n]" that is too long is cut inside the quote, at a
 * sentence or word end, keeping its marker, so a citation is never cut off.
 */
function fitQuoteLine(line: string, max: number): string {
  if (line.length <= max) return line;
  const m = /^(.*)” (\[\d+\])$/s.exec(line);
  if (!m?.[1] || !m[2]) return truncate(line, max);
  const tail = `” ${m[2]}`;
  return `${truncate(m[1], max - tail.length)}${tail}`;
}

/** Characters left for fields in an embed, keeping room for a footer. */
const FIELD_BUDGET = LIMITS.embedTotal - LIMITS.footer / 4;

const fieldLength = (f: APIEmbedField) => f.name.length + f.value.length;

/**
 * Adds `fields` to `embeds`: onto the last one while it has room (25 fields,
 * and characters to spare under the per-message total), then onto new ones.
 */
function addFields(embeds: APIEmbed[], fields: readonly APIEmbedField[], color: number): void {
  for (const field of fields) {
    const last = embeds.at(-1);
    if (last && (last.fields?.length ?? 0) < LIMITS.fields && embedLength(last) + fieldLength(field) <= FIELD_BUDGET) {
      last.fields = [...(last.fields ?? []), field];
    } else {
      embeds.push({ color, fields: [field] });
    }
  }
}

/** Packs embeds into as few messages as the per-message limits allow. */
function packMessages(embeds: APIEmbed[]): DiscordMessage[] {
  const messages: DiscordMessage[] = [];
  let current: APIEmbed[] = [];
  let total = 0;
  for (const e of embeds) {
    const n = embedLength(e);
    if (current.length && (total + n > LIMITS.embedTotal || current.length >= LIMITS.embedsPerMessage)) {
      messages.push({ embeds: current, allowedMentions: NO_MENTIONS });
      current = [];
      total = 0;
    }
    current.push(e);
    total += n;
  }
  if (current.length) messages.push({ embeds: current, allowedMentions: NO_MENTIONS });
  return messages;
}

/**
 * An answer as one or more messages: the first carries the question, the
 * answer with its [n] markers, the sources (article, outlet, date, file and
 * quoted span) and the buttons; the rest, if any, continue the text.
 */
export function renderAnswer(
  answer: Answer,
  options: { buttons?: APIActionRowComponent<APIButtonComponentWithCustomId>; eventName?: string },
): DiscordMessage[] {
  // A declined answer may still quote the nearest fact the articles have, with its [n].
  const lines =
    answer.citations.length === 0
      ? [escapeText(answer.text)]
      : answer.text.split("\n").map((line) => fitQuoteLine(escapeQuoteLine(line), LIMITS.description));
  const pages = splitLines(lines.join("\n"), LIMITS.description);
  // Under the answer: which article each [n] is (its title linked when the metadata gives a url);
  // the file and character offsets are behind the Sources button.
  const fields: APIEmbedField[] = answer.citations.map((c) => ({
    name: truncate(`[${c.n}] ${outletDate(c)}`, LIMITS.fieldName),
    value: linkedTitle(c, LIMITS.fieldValue),
  }));
  const about = options.eventName ? ` about ${options.eventName}` : "";
  const footer = answer.abstained
    ? answer.citations.length > 0
      ? "The articles do not answer this; the quote is the nearest fact they have. Press Sources for the evidence."
      : "Nothing in the articles answers this."
    : answer.generation?.outcome === "used"
      ? `Written by a language model from the articles${about}; each [n] was checked against the sentence it cites. Press Sources for the quotes.`
      : `Quoted word for word from the articles${about}. Press Sources for the full evidence.`;
  const embeds: APIEmbed[] = pages.map((page, i) => ({
    color: answer.abstained ? COLOR.abstain : COLOR.answer,
    ...(i === 0 ? { title: truncate(escapeText(answer.question), LIMITS.title) } : {}),
    description: page,
  }));
  // Sources go on the last text embed while they fit, then on further embeds.
  addFields(embeds, fields, answer.abstained ? COLOR.abstain : COLOR.answer);
  const lastEmbed = embeds.at(-1);
  if (lastEmbed) lastEmbed.footer = { text: footer };
  const messages = packMessages(embeds);
  const first = messages[0];
  if (first && options.buttons) first.components = [options.buttons];
  return messages;
}

/**
 * Escapes an answer line but keeps its [n] citation markers working. A
 * "[n]" followed by "(" is article text posing as a citation that links
 * elsewhere (`[1](https://…)`): it is escaped like any other text.
 */
function escapeQuoteLine(line: string): string {
  return line
    .split(/(\[\d+\](?!\())/)
    .map((part, i) => (i % 2 === 1 ? part : escapeText(part)))
    .join("");
}

/** The full evidence of an answer (the Sources button): every quote with where it is. */
export function renderEvidence(answer: Pick<Answer, "question" | "citations">): DiscordMessage[] {
  if (answer.citations.length === 0) return [notice("This answer quotes no article.")];
  const embeds: APIEmbed[] = answer.citations.map((c) => ({
    color: COLOR.answer,
    title: truncate(`[${c.n}] ${escapeText(c.title)}${inferred(c.basis.title)}`, LIMITS.title),
    description: truncate(`> ${escapeText(c.quote).replace(/\n/g, "\n> ")}`, LIMITS.description),
    ...(c.url ? { url: c.url } : {}),
    footer: { text: truncate(`${c.outlet ?? "outlet unknown"}${inferred(c.basis.outlet)}, ${c.date ?? "date unknown"}${inferred(c.basis.date)} · ${c.source}, characters ${c.start}–${c.end}`, LIMITS.footer) },
  }));
  return packMessages(embeds);
}

/** The best passages for a query, with article and score (/search). */
export function renderSearch(query: string, passages: readonly Passage[], article: (source: string) => Article | undefined): DiscordMessage[] {
  if (passages.length === 0) return [notice(`No passage matches “${truncate(query, 200)}”.`)];
  const fields = passages.slice(0, LIMITS.fields).map((p, i) => {
    const a = article(p.chunk.source);
    const title = escapeText(a ? a.meta.title.value : p.chunk.source) + (a ? inferred(a.meta.title.basis) : "");
    return {
      name: truncate(`${i + 1}. ${title} — score ${p.score.toFixed(2)}`, LIMITS.fieldName),
      value: truncate(`${escapeText(p.chunk.text.replace(/\s+/g, " "))}\n*${escapeText(p.chunk.source)}, characters ${p.chunk.start}–${p.chunk.end}*`, LIMITS.fieldValue),
    };
  });
  return listMessages(`Passages for: ${escapeText(query)}`, fields);
}

/** The articles of the corpus (/sources). */
export function renderArticleList(articles: readonly Article[]): DiscordMessage[] {
  const fields = articles.map((a) => ({
    name: truncate(`${escapeText(a.meta.title.value)}${inferred(a.meta.title.basis)}`, LIMITS.fieldName),
    value: truncate(
      `${a.meta.outlet.value ? `${escapeText(a.meta.outlet.value)}${inferred(a.meta.outlet.basis)}` : "outlet unknown"}, ` +
        `${a.meta.date.value ? `${a.meta.date.value}${inferred(a.meta.date.basis)}` : "date unknown"} · ${escapeText(a.source)}`,
      LIMITS.fieldValue,
    ),
  }));
  return listMessages(`The ${articles.length} article${articles.length === 1 ? "" : "s"} I answer from`, fields);
}

/** The events the corpus covers and the articles about each (/summits). */
export function renderEvents(events: readonly SummitEvent[], articles: readonly Article[]): DiscordMessage[] {
  if (events.length === 0) return [notice("The article metadata describes no events.")];
  const fields = events.map((e) => {
    const about = articles.filter((a) => a.meta.event.value === e.id);
    const covered = about.length ? about.map((a) => `• ${escapeText(a.meta.title.value)} (${escapeText(a.source)})`).join("\n") : "no article";
    return {
      name: truncate(escapeText(e.name), LIMITS.fieldName),
      value: truncate(
        `${escapeText(e.place.value)}${inferred(e.place.basis)} · ${e.date.value}${inferred(e.date.basis)}\n` +
          `With: ${e.participants.map(escapeText).join(", ")}\n${covered}\nUse event: ${escapeText(e.id)}`,
        LIMITS.fieldValue,
      ),
    };
  });
  return listMessages("Events the articles cover", fields);
}

function listMessages(title: string, fields: APIEmbedField[]): DiscordMessage[] {
  const embeds: APIEmbed[] = [{ color: COLOR.list, title: truncate(title, LIMITS.title) }];
  addFields(embeds, fields, COLOR.list);
  return packMessages(embeds);
}

export function renderHelp(options: { answerMessages: boolean; answerDms: boolean; maxQuestionChars: number }): DiscordMessage[] {
  const lines = [
    "I answer questions about EU–China summits from a small set of news articles, quoting them word for word with numbered citations, and I say so when they don't cover a question.",
    "",
    "**/ask** `question` — an answer with citations. `private: True` shows it only to you; `event` limits it to one summit.",
    "**/search** `query` — the best matching passages and their scores, without an answer.",
    "**/sources** — the articles I quote, with outlet and date (shown only to you; `public: True` shares the list).",
    "**/summits** — the events the articles cover; use their ids in `event` (shown only to you unless `public`).",
    "**Ask about this message** — right-click (or long-press) a message > Apps: an answer about its text, shown only to you.",
    "**/help** — this message.",
  ];
  if (options.answerMessages) {
    lines.push("", "You can also mention me (or my role) with a question. I answer in a thread; ask follow-ups there without mentioning me (e.g. “and what did Michel say?”).");
  }
  if (options.answerDms) lines.push("You can also ask me in a direct message; follow-ups there are read against your last question.");
  lines.push(
    "",
    "Answers quote the articles word for word, or, when a language model is set up, are written by it and every [n] is checked against the sentence it cites.",
    "Under each answer: **Sources** shows the quoted evidence, 👍/👎 tells us whether it helped.",
    `Questions can be up to ${options.maxQuestionChars} characters. Values marked “(inferred)” were worked out from the article, not stated in it.`,
  );
  return [{ embeds: [{ color: COLOR.list, title: "What I can do", description: lines.join("\n") }], allowedMentions: NO_MENTIONS }];
}

/**
 * What a model has written so far, before it is checked: escaped like every
 * text (no markdown, no mentions), and with no clickable link, since Discord
 * links any URL with a scheme even in escaped text.
 */
export function renderPreview(draft: string): DiscordMessage {
  const unlinked = draft.replace(/\b[a-z][a-z0-9+.-]*:\/\/\S*/gi, "‹link›");
  return notice(`✍️ Writing (not yet checked against the articles)…\n${truncate(unlinked, LIMITS.content - 80)}`);
}

/**
 * A short text message (errors, limits, thanks), with link previews off. The
 * text is escaped: it may quote what a member typed (an event name, a query).
 */
export function notice(text: string): DiscordMessage {
  return { content: truncate(escapeText(text), LIMITS.content), embeds: [], allowedMentions: NO_MENTIONS, flags: MessageFlags.SuppressEmbeds };
}
