import { describe, expect, it } from "vitest";
import { leadOf, missingGroups } from "../../src/eval/score.js";

describe("the lead of an answer (strict score)", () => {
  it("is the first line up to its first citation marker", () => {
    const text = "Yes — “Xi arrived in France on May 5.” [1] “He went on to Serbia.” [2]\n“Another line.” [3]";
    expect(leadOf(text)).toBe("Yes — “Xi arrived in France on May 5.” ");
  });

  it("takes one line per part for questions in several parts", () => {
    const text = "“He arrived on May 5.” [1]\n“Then Serbia and Hungary.” [2] “More.” [3]\n“Third.” [4]";
    expect(leadOf(text, 2)).toBe("“He arrived on May 5.” \n“Then Serbia and Hungary.” ");
  });

  it("is the whole first line when there is no marker", () => {
    expect(leadOf("The articles I have don't cover that.\nSecond line")).toBe("The articles I have don't cover that.");
  });
});

describe("keyword groups", () => {
  it("are met by any of their strings, case-insensitively", () => {
    expect(missingGroups("The Deficit swelled to 400 billion euros", [["400 billion"], ["euro", "EUR"]])).toEqual([]);
    expect(missingGroups("The deficit swelled", [["400 billion"], ["deficit"]])).toEqual([["400 billion"]]);
  });

  it("with ^, must open the text as a whole word (after quotation marks), on any line", () => {
    expect(missingGroups("No — the itinerary was France, Serbia and Hungary", [["^No"]])).toEqual([]);
    expect(missingGroups("“No, nothing was agreed.”", [["^No"]])).toEqual([]);
    expect(missingGroups("Nothing was agreed.", [["^No"]])).toEqual([["^No"]]);
    expect(missingGroups("Economic ties, no.", [["^No"]])).toEqual([["^No"]]);
    expect(missingGroups("First line\nYes — second", [["^Yes"]])).toEqual([]);
  });
});
