import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { readMetadata } from "../../src/corpus/metadata.js";
import { memoryLogger } from "../../src/log.js";
import { REPO, SEEDS } from "../helpers.js";

const SHARED = path.resolve(REPO, "../shared/seeds");
const articles = readdirSync(SEEDS).filter((f) => f.endsWith(".txt"));

describe("seeds", () => {
  it("holds the five articles", () => {
    expect(articles).toHaveLength(5);
  });

  it.skipIf(!existsSync(SHARED))("are byte-for-byte the shared originals, with the same names", () => {
    const originals = readdirSync(SHARED).sort();
    expect(articles.sort()).toEqual(originals);
    for (const name of originals) expect(readFileSync(path.join(SEEDS, name)).equals(readFileSync(path.join(SHARED, name))), name).toBe(true);
  });

  it("metadata.json describes every article and validates without warnings", async () => {
    const log = memoryLogger();
    const meta = await readMetadata(path.join(SEEDS, "metadata.json"), log);
    expect(log.lines).toEqual([]);
    expect([...meta.articles.keys()].sort()).toEqual(articles.sort());
    const eventIds = new Set(meta.events.map((e) => e.id));
    for (const [source, m] of meta.articles) {
      if (m.event.value !== null) expect(eventIds.has(m.event.value), source).toBe(true);
      // An inferred or unknown value says why.
      for (const field of [m.title, m.outlet, m.date, m.event, m.peopleQuoted]) {
        if (field.basis !== "stated") expect(field.note, source).toBeTruthy();
      }
      // A stated title is the article's first line.
      if (m.title.basis === "stated") {
        const firstLine = readFileSync(path.join(SEEDS, source), "utf8").split("\n")[0];
        expect(firstLine).toBe(m.title.value);
      }
    }
  });

  it("contains no URLs (none are given in the articles, so none may be invented)", () => {
    expect(readFileSync(path.join(SEEDS, "metadata.json"), "utf8")).not.toMatch(/https?:\/\//);
  });
});
