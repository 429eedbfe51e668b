import { describe, expect, it } from "vitest";
import { needsContext, rewriteFollowUp } from "../../src/answer/follow-up.js";

const prev = "What did von der Leyen say about dual-use goods?";
const people = ["Ursula von der Leyen", "Charles Michel", "Emmanuel Macron", "Kaja Kallas", "Xi Jinping"];

describe("rewriteFollowUp", () => {
  it("asks the same about a new name", () => {
    expect(rewriteFollowUp(prev, "and what did Michel say?", people)).toBe("What did Michel say about dual-use goods?");
  });

  it("handles 'what about X' for a name and for a topic", () => {
    expect(rewriteFollowUp(prev, "what about Macron?", people)).toBe("What did Macron say about dual-use goods?");
    expect(rewriteFollowUp(prev, "How about Taiwan?", people)).toBe("What did von der Leyen say about Taiwan?");
  });

  it("resolves pronouns to the previous name and topic", () => {
    expect(rewriteFollowUp(prev, "what did she say about Taiwan?")).toBe("What did von der Leyen say about Taiwan?");
    expect(rewriteFollowUp(prev, "who else talked about it?")).toBe("Who else talked about dual-use goods?");
    expect(rewriteFollowUp("What did Kallas say about rare earths?", "and her view on Taiwan?")).toBe("Kallas's view on Taiwan?");
  });

  it("keeps the previous question's words for a bare follow-up", () => {
    expect(rewriteFollowUp(prev, "why?")).toBe("Why (What did von der Leyen say about dual-use goods)?");
  });

  it("without a list of people, treats a name of two words or more as a person", () => {
    expect(rewriteFollowUp(prev, "what about Charles Michel?")).toBe("What did Charles Michel say about dual-use goods?");
    expect(rewriteFollowUp(prev, "what about Taiwan?")).toBe("What did von der Leyen say about Taiwan?");
  });

  it("leaves a question that stands on its own unchanged", () => {
    const q = "Which countries did Xi visit after France?";
    expect(needsContext(q)).toBe(false);
    expect(rewriteFollowUp(prev, q)).toBe(q);
    expect(rewriteFollowUp("", "and what did Michel say?")).toBe("and what did Michel say?");
  });
});
