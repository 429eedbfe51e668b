/*
 * Text from articles, their metadata, file names, a language model or a
 * member reaches a terminal only through `forTerminal`: an article holding
 * ESC c would otherwise reset the reader's terminal, an OSC 8 sequence would
 * hide a link behind innocent words, and a bidi override would print a
 * sentence in an order other than the one it has.
 */

// eslint-disable-next-line no-control-regex -- matching terminal control sequences is the point
const ESCAPE_SEQUENCE = /(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]{0,4096}(?:\x07|\x1b\\|\x9c)|\x1b[ -/]*[0-~]/g;
// Lines end with \n only: a lone CR (or VT, FF, a Unicode line or paragraph separator) would let text overwrite what precedes it.
const LINE_BREAK = /\r\n|[\r\v\f\u2028\u2029]/g;
/**
 * Every other C0 control but tab and newline, DEL, every C1 control, and the
 * bidi embeddings, overrides and isolates that reorder what follows them.
 * Marks (LRM, RLM), joiners (ZWJ in emoji) and variation selectors stay.
 */
// eslint-disable-next-line no-control-regex -- see above
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g;

/** `text` as it may be printed to a terminal: the sequences and controls above removed, broken surrogates replaced. */
export function forTerminal(text: string): string {
  return text.toWellFormed().replace(ESCAPE_SEQUENCE, "").replace(LINE_BREAK, "\n").replace(CONTROL, "");
}

// eslint-disable-next-line no-control-regex -- see above
const INTRODUCER = /[\x1b\x90\x98\x9b\x9d\x9e\x9f]/g;
/** What an escape sequence may look like before it is finished. */
// eslint-disable-next-line no-control-regex -- see above
const UNFINISHED = /^(?:(?:\x1b\[|\x9b)[0-?]*[ -/]*|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*\x1b?|\x1b[ -/]*)$/;

/**
 * How much of text that is still growing (a model's draft) can be printed
 * now: not a trailing half of a surrogate pair, nor an escape sequence that
 * has begun but not ended, which printed in two pieces would lose its start
 * to `forTerminal` and show its end as text.
 */
export function printableLength(text: string): number {
  const from = Math.max(0, text.length - 4100);
  let end = text.length;
  for (const m of text.slice(from).matchAll(INTRODUCER)) {
    if (UNFINISHED.test(text.slice(from + m.index))) {
      end = from + m.index;
      break;
    }
  }
  const high = text.charCodeAt(end - 1);
  return high >= 0xd800 && high <= 0xdbff ? end - 1 : end;
}

const JSON_UNSAFE = /[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * `value` as JSON that is also safe to print: JSON.stringify escapes C0
 * controls (ESC is written \u001b) but leaves DEL, C1 controls and bidi
 * overrides raw, so those are written as \u escapes too. The data is the same.
 */
export function jsonForTerminal(value: unknown): string {
  return safeJson(JSON.stringify(value));
}

/**
 * JSON text with what JSON.stringify leaves raw (DEL, C1 controls, bidi
 * overrides, and the line and paragraph separators that split a record in
 * two for readers that break lines on them) written as \u escapes.
 */
export function safeJson(json: string): string {
  return json.replace(JSON_UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
