import { describe, expect, it } from "vitest";
import { needsContext, rewriteFollowUp } from "../../src/answer/follow-up.js";

const prev = "What did von der Leyen say about dual-use goods?";
const people = ["Ursula von der Leyen", "Charles Michel", "Emmanuel Macron", "Kaja Kallas", "Xi Jinping", "Wang Yi", "Li Qiang"];

describe("rewriteFollowUp", () => {
  it("asks the same about a new person", () => {
    expect(rewriteFollowUp(prev, "and what did Michel say?", people)).toBe("What did Michel say about dual-use goods?");
    expect(rewriteFollowUp("What did Kallas say about rare earth exports?", "and what did Wang Yi say?", people)).toBe(
      "What did Wang Yi say about rare earth exports?",
    );
  });

  it("handles 'what about X' for a person and for a topic", () => {
    expect(rewriteFollowUp(prev, "what about Macron?", people)).toBe("What did Macron say about dual-use goods?");
    expect(rewriteFollowUp(prev, "How about Taiwan?", people)).toBe("What did von der Leyen say about Taiwan?");
    expect(rewriteFollowUp("What did Charles Michel say about China's responsibility?", "what about Xi?", people)).toBe(
      "What did Xi say about China's responsibility?",
    );
    expect(rewriteFollowUp("Which countries did Xi visit after France?", "what about Macron?", people)).toBe("Which countries did Macron visit after France?");
  });

  it("resolves he/she/his/her to the person named before, never to a place or an organisation", () => {
    expect(rewriteFollowUp(prev, "what did she say about Taiwan?", people)).toBe("What did von der Leyen say about Taiwan?");
    expect(rewriteFollowUp("When did Xi arrive in France?", "What did he say about Taiwan?", people)).toBe("What did Xi say about Taiwan?");
    expect(rewriteFollowUp("What did Kallas say about rare earths?", "and her view on Taiwan?", people)).toBe("Kallas's view on Taiwan?");
    expect(rewriteFollowUp("What did Xi say about the Belt and Road Initiative?", "what else did he say?", people)).toBe("What else did Xi say?");
  });

  it("resolves 'it' to the previous topic only in a follow-up with hardly any words of its own", () => {
    expect(rewriteFollowUp(prev, "who else talked about it?", people)).toBe("Who else talked about dual-use goods?");
  });

  it("keeps the previous question as context for a bare follow-up", () => {
    expect(rewriteFollowUp(prev, "why?", people)).toBe("Why (What did von der Leyen say about dual-use goods)?");
    expect(rewriteFollowUp("Which country pulled out of the Belt and Road Initiative?", "why did they leave?", people)).toBe(
      "Why did they leave (Which country pulled out of the Belt and Road Initiative)?",
    );
  });

  it("without a list of people, treats a name of two words or more as a person", () => {
    expect(rewriteFollowUp(prev, "what about Charles Michel?")).toBe("What did Charles Michel say about dual-use goods?");
    expect(rewriteFollowUp(prev, "what about Taiwan?")).toBe("What did von der Leyen say about Taiwan?");
  });

  it("leaves a question that stands on its own unchanged", () => {
    for (const q of [
      "Which countries did Xi visit after France?",
      "Is it true that Xi visited Serbia?",
      "What was agreed at the summit this year in Beijing?",
      "What did Charles Michel say?",
    ]) {
      expect(needsContext(q, people), q).toBe(false);
      expect(rewriteFollowUp(prev, q, people)).toBe(q);
    }
    expect(rewriteFollowUp("", "and what did Michel say?", people)).toBe("and what did Michel say?");
  });
});
