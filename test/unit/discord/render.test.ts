import { describe, expect, it } from "vitest";
import { answerOf } from "../../fixtures/answers.js";
import {
  embedLength,
  escapeText,
  LIMITS,
  notice,
  renderAnswer,
  renderArticleList,
  renderEvidence,
  renderEvents,
  renderHelp,
  renderSearch,
  truncate,
  type DiscordMessage,
} from "../../../src/render/discord.js";
import { answerButtons } from "../../../src/render/button-ids.js";
import type { Answer, Article, Citation } from "../../../src/types.js";

const basis = { title: "stated", outlet: "inferred", date: "stated" } as const;

function citation(n: number, quote: string, extra: Partial<Citation> = {}): Citation {
  return { n, source: `00${n}_x.txt`, title: `Title ${n}`, outlet: "Kyodo News", date: "2023-12-07", url: null, basis, quote, start: 10 * n, end: 10 * n + quote.length, ...extra };
}

const answer = (citations: Citation[], extra: Partial<Answer> = {}): Answer => answerOf(citations, extra);

/** Every limit Discord enforces on a message. */
function expectWithinLimits(m: DiscordMessage): void {
  expect((m.content ?? "").length).toBeLessThanOrEqual(LIMITS.content);
  expect(m.embeds.length).toBeLessThanOrEqual(LIMITS.embedsPerMessage);
  expect(m.embeds.reduce((n, e) => n + embedLength(e), 0)).toBeLessThanOrEqual(LIMITS.embedTotal);
  for (const e of m.embeds) {
    expect((e.title ?? "").length).toBeLessThanOrEqual(LIMITS.title);
    expect((e.description ?? "").length).toBeLessThanOrEqual(LIMITS.description);
    expect((e.fields ?? []).length).toBeLessThanOrEqual(LIMITS.fields);
    for (const f of e.fields ?? []) {
      expect(f.name.length).toBeLessThanOrEqual(LIMITS.fieldName);
      expect(f.value.length).toBeLessThanOrEqual(LIMITS.fieldValue);
    }
  }
  expect(m.allowedMentions).toEqual({ parse: [], repliedUser: false });
}

describe("escapeText", () => {
  it("escapes markdown so text shows as written", () => {
    expect(escapeText("**bold** _it_ ~~s~~ `code` ||spoiler|| [link](x)")).toBe(
      "\\*\\*bold\\*\\* \\_it\\_ \\~\\~s\\~\\~ \\`code\\` \\|\\|spoiler\\|\\| \\[link\\](x)",
    );
    expect(escapeText("# Heading\n- item\n> quote")).toBe("\\# Heading\n\\- item\n\\> quote");
  });

  it("breaks every kind of mention", () => {
    const out = escapeText("@everyone @here <@123456789012345678> <@!123456789012345678> <@&123456789012345678> <#123456789012345678>");
    expect(out).not.toMatch(/@everyone|@here|<@\d|<@!|<@&|<#\d/);
    expect(out.replace(/\u200b/g, "")).toContain("@everyone");
  });
});

describe("truncate", () => {
  it("cuts at a sentence end when there is one late enough, else at a word end, never mid-word", () => {
    const text = "First sentence is here. Second sentence is a good deal longer than the first one.";
    expect(truncate(text, 40)).toBe("First sentence is here. …");
    expect(truncate("alpha beta gamma delta", 15)).toBe("alpha beta…");
    expect(truncate("short", 10)).toBe("short");
    for (const max of [5, 17, 33, 60]) expect(truncate(text, max).length).toBeLessThanOrEqual(max);
  });
});

describe("renderAnswer", () => {
  it("links a citation's title to the article when the metadata has a url, and only then", () => {
    const linked = { ...citation(1, "Quote."), title: "EU [draft] *deal*", url: "https://news.example/a(1) b" };
    const [m] = renderAnswer(answer([linked, citation(2, "Other.")]), {});
    const [first, second] = m?.embeds[0]?.fields ?? [];
    expect(first?.value).toBe("[EU \\[draft\\] \\*deal\\*](<https://news.example/a%281%29%20b>)");
    expect(second?.value).toBe("Title 2");
    expect(renderEvidence(answer([linked]))[0]?.embeds[0]?.url).toBe("https://news.example/a(1) b");
    expect(renderEvidence(answer([citation(2, "Other.")]))[0]?.embeds[0]?.url).toBeUndefined();
  });


  it("puts question, answer with markers, sources and buttons in one message", () => {
    const [m, ...rest] = renderAnswer(answer([citation(1, "More effort is needed."), citation(2, "Balanced trade.")]), { buttons: answerButtons("answer0a", true) });
    expect(rest).toEqual([]);
    if (!m) throw new Error("no message");
    expectWithinLimits(m);
    const e = m.embeds[0];
    expect(e?.title).toBe("What did von der Leyen say?");
    expect(e?.description).toBe("“More effort is needed.” [1]\n“Balanced trade.” [2]");
    expect(e?.fields?.map((f) => f.name)).toEqual(["[1] Kyodo News (inferred), 2023-12-07", "[2] Kyodo News (inferred), 2023-12-07"]);
    // No url in the metadata: the title, not linked; file names and offsets are behind Sources only.
    expect(e?.fields?.map((f) => f.value)).toEqual(["Title 1", "Title 2"]);
    expect(JSON.stringify(m)).not.toMatch(/001\\\\_x\.txt|characters 10/);
    const ids = m.components?.[0]?.components.map((b) => b.custom_id);
    expect(ids).toEqual(["sources:answer0a", "feedback:up:answer0a", "feedback:down:answer0a"]);
  });

  it("escapes quotes and the echoed question but keeps the [n] markers", () => {
    const [m] = renderAnswer(answer([citation(1, "He said *@everyone* <@123456789012345678>")], { question: "**hi** @here" }), {});
    expect(m?.embeds[0]?.title).toBe("\\*\\*hi\\*\\* @\u200bhere");
    expect(m?.embeds[0]?.description).toMatch(/^“He said \\\*@\u200beveryone\\\* <\u200b@123456789012345678>” \[1\]$/);
  });

  it("keeps the markers of a generated answer working while escaping its text", () => {
    const [m] = renderAnswer(answer([citation(1, "x"), citation(2, "y")], { text: "Xi *went* to Serbia [1][2]. Then [home] [2]." }), {});
    expect(m?.embeds[0]?.description).toBe("Xi \\*went\\* to Serbia [1][2]. Then \\[home\\] [2].");
  });

  it("splits a very long answer at citation boundaries, within every limit", () => {
    const long = Array.from({ length: 12 }, (_, i) => citation(i + 1, `${"Sentence with several words. ".repeat(40)}End ${i + 1}.`));
    const messages = renderAnswer(answer(long), { buttons: answerButtons("answer0a", true) });
    expect(messages.length).toBeGreaterThan(1);
    for (const m of messages) expectWithinLimits(m);
    const text = messages.flatMap((m) => m.embeds.map((e) => e.description ?? "")).join("\n");
    for (let n = 1; n <= 12; n++) expect(text).toContain(`[${n}]`);
    // No line starts or ends in the middle of a quote.
    for (const line of text.split("\n").filter(Boolean)) expect(line).toMatch(/^“.*” \[\d+\]$/s);
    expect(messages[0]?.components).toBeDefined();
    expect(messages.slice(1).every((m) => m.components === undefined)).toBe(true);
  });

  it("cuts a single quote that is too long inside the quote, at a word end, keeping its marker", () => {
    const [m] = renderAnswer(answer([citation(1, "word ".repeat(2000).trim())]), {});
    const d = m?.embeds[0]?.description ?? "";
    expect(d.length).toBeLessThanOrEqual(LIMITS.description);
    expect(d).toMatch(/word…” \[1\]$/);
  });

  it("renders an abstention without a Sources button", () => {
    const [m] = renderAnswer(answer([], { abstained: true, text: "The articles I have don't cover that." }), { buttons: answerButtons("answer0x", false) });
    expect(m?.embeds[0]?.description).toBe("The articles I have don't cover that.");
    expect(m?.components?.[0]?.components.map((b) => b.custom_id)).toEqual(["feedback:up:answer0x", "feedback:down:answer0x"]);
  });

  it("keeps more than 25 sources within limits", () => {
    const many = Array.from({ length: 30 }, (_, i) => citation(i + 1, "Short."));
    const messages = renderAnswer(answer(many), {});
    for (const m of messages) expectWithinLimits(m);
    expect(messages.flatMap((m) => m.embeds.flatMap((e) => e.fields ?? []))).toHaveLength(30);
  });
});

function article(i: number, extra: Partial<Article["meta"]> = {}): Article {
  return {
    source: `${String(i).padStart(3, "0")}_${"x".repeat(20)}.txt`,
    text: "",
    hash: "",
    modifiedMs: 0,
    size: 0,
    meta: {
      title: { value: `A fairly long headline number ${i} about the summit between the European Union and China in Brussels`, basis: "inferred" },
      outlet: { value: "Some Outlet", basis: "inferred" },
      date: { value: "2024-05-06", basis: "stated", kind: "event" },
      place: { value: null, basis: "unknown" },
      event: { value: `event-${i % 6}`, basis: "stated" },
      peopleQuoted: { value: [], basis: "stated" },
      url: null,
      ...extra,
    },
  };
}

describe("limits with a larger corpus", () => {
  it("keeps /summits within every limit with many events and articles", () => {
    const events = Array.from({ length: 6 }, (_, i) => ({
      id: `event-${i}`,
      name: `Summit number ${i} with a long descriptive name`,
      place: { value: "Brussels, Belgium", basis: "stated" as const },
      date: { value: "2024-05-06", basis: "inferred" as const },
      participants: ["Ursula von der Leyen", "Charles Michel", "Xi Jinping", "Li Qiang"],
    }));
    const articles = Array.from({ length: 48 }, (_, i) => article(i));
    const messages = renderEvents(events, articles);
    for (const m of messages) expectWithinLimits(m);
    expect(messages.flatMap((m) => m.embeds.flatMap((e) => e.fields ?? []))).toHaveLength(6);
  });

  it("keeps /search within limits with long passages", () => {
    const passages = Array.from({ length: 5 }, (_, i) => ({
      chunk: { id: i, source: `00${i}.txt`, start: 0, end: 1000, text: "word ".repeat(400) },
      score: 0.5,
      lexical: 0.5,
      dense: 0.5,
      lexicalRank: 1,
      denseRank: 1,
    }));
    for (const m of renderSearch("query", passages, () => article(1))) expectWithinLimits(m);
  });

  it("keeps an answer with many long-titled sources and its footer within the total", () => {
    const many = Array.from({ length: 12 }, (_, i) =>
      citation(i + 1, "Short quote.", { title: "T".repeat(250), outlet: "O".repeat(300), source: `${"s".repeat(200)}.txt` }),
    );
    const messages = renderAnswer(answer(many), { eventName: "E".repeat(200) });
    for (const m of messages) expectWithinLimits(m);
    expect(messages.flatMap((m) => m.embeds.flatMap((e) => e.fields ?? []))).toHaveLength(12);
    expect(messages.at(-1)?.embeds.at(-1)?.footer?.text).toContain("Press Sources");
  });

  it("escapes what a member typed when a notice repeats it", () => {
    const m = notice('I have no articles about the event "[click](https://x.example) @everyone **x**".');
    expect(m.content).not.toMatch(/\[click\]\(|@everyone|\*\*x\*\*/);
  });
});

describe("other renderings", () => {
  it("shows the full evidence, one embed per citation", () => {
    const messages = renderEvidence(answer([citation(1, "Quote one."), citation(2, "Quote two.")]));
    for (const m of messages) expectWithinLimits(m);
    expect(messages[0]?.embeds.map((e) => e.description)).toEqual(["> Quote one.", "> Quote two."]);
    expect(messages[0]?.embeds[0]?.footer?.text).toBe("Kyodo News (inferred), 2023-12-07 · 001_x.txt, characters 10–20");
  });

  it("lists articles with inferred values marked", () => {
    const article = {
      source: "a.txt",
      text: "",
      hash: "",
      modifiedMs: 0,
      size: 0,
      meta: {
        title: { value: "A title", basis: "inferred" },
        outlet: { value: null, basis: "unknown" },
        date: { value: "2024-05-06", basis: "stated", kind: "event" },
        place: { value: null, basis: "unknown" },
        event: { value: null, basis: "unknown" },
        peopleQuoted: { value: [], basis: "stated" },
        url: null,
      },
    } satisfies Article;
    const [m] = renderArticleList([article]);
    expect(m?.embeds[0]?.fields?.[0]).toEqual({ name: "A title (inferred)", value: "outlet unknown, 2024-05-06 · a.txt" });
  });

  it("fits help in one message and mentions thread follow-ups only when enabled", () => {
    const on = renderHelp({ answerMessages: true, answerDms: false, maxQuestionChars: 1000 });
    const off = renderHelp({ answerMessages: false, answerDms: false, maxQuestionChars: 1000 });
    expect(on).toHaveLength(1);
    for (const m of [...on, ...off]) expectWithinLimits(m);
    expect(on[0]?.embeds[0]?.description).toContain("mention me");
    expect(off[0]?.embeds[0]?.description).not.toContain("mention me");
  });

  it("sends notices as plain text without link previews", () => {
    const m = notice("x".repeat(5000));
    expectWithinLimits(m);
    expect(m.flags).toBe(1 << 2);
  });
});
