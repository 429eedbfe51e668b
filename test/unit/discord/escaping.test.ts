import { describe, expect, it } from "vitest";
import { answerOf } from "../../fixtures/answers.js";
import { escapeText, LIMITS, renderAnswer, renderArticleList, renderEvents, renderEvidence, renderPreview, renderSearch } from "../../../src/render/discord.js";
import type { Answer, Article, Citation, Passage, SummitEvent } from "../../../src/types.js";

/*
 * What Discord would render from article text, metadata titles and event
 * names: no masked link (least of all one posing as citation [n]), no
 * markdown, no mention, and no lone surrogate where a text was shortened.
 */

const EVIL_TITLE = "**Lithium** # tariffs [2](https://evil.example) <@123456789012345678>";
const basis = { title: "stated", outlet: "stated", date: "stated" } as const;

function citation(n: number, quote: string, extra: Partial<Citation> = {}): Citation {
  return { n, source: `00${n}_x.txt`, title: EVIL_TITLE, outlet: "Kyodo", date: "2024-03-03", url: null, basis, quote, start: 0, end: quote.length, ...extra };
}

const answer = (citations: Citation[], extra: Partial<Answer> = {}): Answer => answerOf(citations, extra, "What did the minister say?");

/** A masked link Discord would render: [text](url) with nothing escaped. */
const MASKED_LINK = /(?<!\\)\[[^\]]*(?<!\\)\]\(/;

describe("escapeText", () => {
  it("breaks masked links, mentions of every kind, timestamps and custom emoji", () => {
    const out = escapeText("[1](https://evil.example) [x](<https://e>) @everyone <@1234567890> <@&1234567890> <#1234567890> </ask:123> <:e_x:123> <t:1700000000:R>");
    expect(out).not.toMatch(MASKED_LINK);
    expect(out).not.toMatch(/@everyone|<@\d|<@&|<#\d|<\/|<:|<t:/);
  });

  it("breaks headings, lists, numbered lists, block quotes and subtext at the start of any line", () => {
    const out = escapeText("# Big\n## Less\n   ### indented\n- item\n* star\n1. first\n> quote\n>>> rest\n-# small");
    for (const line of out.split("\n")) expect(line).toMatch(/^\s*(?:\\[#>*-]|\d+\\\.)/);
  });

  it("leaves a URL's underscores alone, so the link still works", () => {
    expect(escapeText("see https://example.org/a_b_c and snake_case")).toBe("see https://example.org/a_b_c and snake\\_case");
  });
});

describe("rendered messages", () => {
  it("an article's [1](https://…) stays text in the answer, while the real [1] marker still works", () => {
    const [m] = renderAnswer(answer([citation(1, "Tariffs would double [1](https://evil.example) soon.")]), {});
    const description = m?.embeds[0]?.description ?? "";
    expect(description).not.toMatch(MASKED_LINK);
    expect(description).toBe("“Tariffs would double \\[1\\](https://evil.example) soon.” [1]");
  });

  it("a generated answer's marker followed by a link is text too", () => {
    const [m] = renderAnswer(answer([citation(1, "x")], { text: "Tariffs double [1](https://evil.example). Really [1]." }), {});
    expect(m?.embeds[0]?.description).toBe("Tariffs double \\[1\\](https://evil.example). Really [1].");
  });

  it("metadata titles are escaped in answer sources, evidence, /search and /sources", () => {
    const c = citation(1, "Quote.");
    const article = { source: "001_x.txt", meta: { title: { value: EVIL_TITLE, basis: "stated" }, outlet: { value: null, basis: "unknown" }, date: { value: null, basis: "unknown" } } } as unknown as Article;
    const passage = { chunk: { source: "001_x.txt", text: "text", start: 0, end: 4 }, score: 1 } as unknown as Passage;
    const names = [
      renderAnswer(answer([c]), {})[0]?.embeds[0]?.fields?.[0]?.value,
      renderEvidence(answer([c]))[0]?.embeds[0]?.title,
      renderSearch("q", [passage], () => article)[0]?.embeds[0]?.fields?.[0]?.name,
      renderArticleList([article])[0]?.embeds[0]?.fields?.[0]?.name,
    ];
    for (const name of names) {
      expect(name).toContain("\\*\\*Lithium\\*\\*");
      expect(name).not.toMatch(MASKED_LINK);
      expect(name).not.toMatch(/<@\d/);
    }
  });

  it("event names are escaped in /summits", () => {
    const event: SummitEvent = {
      id: "e1",
      name: "**Vilnius** [talks](https://evil.example) @here",
      place: { value: "Vilnius", basis: "stated" },
      date: { value: "2024-03-03", basis: "stated" },
      participants: ["# Someone"],
    };
    const field = renderEvents([event], [])[0]?.embeds[0]?.fields?.[0];
    expect(field?.name).toBe("\\*\\*Vilnius\\*\\* \\[talks\\](https://evil.example) @\u200bhere");
    expect(field?.value).toContain("With: \\# Someone");
  });

  it("a long question cut in the middle of an emoji leaves no lone surrogate in the title", () => {
    const question = `What${"😀".repeat(200)}`;
    const [m] = renderAnswer(answer([citation(1, "Quote.")], { question }), {});
    const title = m?.embeds[0]?.title ?? "";
    expect(title.length).toBeLessThanOrEqual(LIMITS.title);
    expect(title.isWellFormed()).toBe(true);
    expect(title.endsWith("😀…")).toBe(true);
  });
});

describe("the preview of a model's unchecked text", () => {
  it("is escaped and has no clickable link, whatever the model wrote", () => {
    const m = renderPreview("See https://evil.example/login and [1](https://evil.example) @everyone <@123456789012345678> — # heading");
    expect(m.content).not.toMatch(/https?:\/\//);
    expect(m.content).toContain("‹link›");
    expect(m.content).not.toMatch(/(?<!\\)\[1\]\(|@everyone|<@\d/);
    expect(m.allowedMentions).toMatchObject({ parse: [] });
  });
});
