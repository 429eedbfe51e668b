import { describe, expect, it } from "vitest";
import { createLogger } from "../../src/log.js";

const capture = (format: "text" | "json", level: "debug" | "info" | "warn" = "info") => {
  const lines: string[] = [];
  const log = createLogger({ level, format, write: (l) => lines.push(l), now: () => new Date("2026-01-02T03:04:05Z") });
  return { log, lines };
};

describe("logger", () => {
  it("writes one JSON object per event with time, level, event and fields", () => {
    const { log, lines } = capture("json");
    log.child({ req: "ab12" }).info("ask", { ms: 12 });
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? "")).toEqual({ time: "2026-01-02T03:04:05.000Z", level: "info", event: "ask", req: "ab12", ms: 12 });
  });

  it("writes key=value text on one line, quoting values with spaces and flattening stacks", () => {
    const { log, lines } = capture("text");
    log.error("boom", { reason: "two words", error: new Error("bad\nthing") });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^2026-01-02T03:04:05.000Z ERROR boom reason="two words" error=".*bad\\nthing/);
  });

  it("drops events below the level", () => {
    const { log, lines } = capture("json", "warn");
    log.info("quiet");
    log.debug("quieter");
    log.warn("loud");
    expect(lines.map((l) => JSON.parse(l).event)).toEqual(["loud"]);
  });

  it("never writes secrets, whatever the field is called", () => {
    const { log, lines } = capture("json");
    log.info("config", { DISCORD_TOKEN: "abc.def.ghi", apiKey: "sk-123", authorization: "Bot xyz", model: "bge" });
    const record = JSON.parse(lines[0] ?? "");
    expect(record).toMatchObject({ DISCORD_TOKEN: "[redacted]", apiKey: "[redacted]", authorization: "[redacted]", model: "bge" });
    expect(lines[0]).not.toMatch(/abc\.def|sk-123|xyz/);
  });

  it.each(["json", "text"] as const)("keeps a value holding a line or paragraph separator on one line (%s), so no record can be forged", (format) => {
    const { log, lines } = capture(format);
    const forged = 'a.txt\u2028{"time":"2026-01-02T03:04:05.000Z","level":"error","event":"forged.event"}\u0085x\u2029y';
    log.warn("corpus.skip", { source: forged });
    expect(lines).toHaveLength(1);
    expect(lines[0]?.split(/[\n\r\u0085\u2028\u2029]/)).toHaveLength(1);
    // Nothing in it acts on a terminal either: the logger's lines are safe wherever they are written.
    log.warn("corpus.skip", { source: "a\u001bc\u009b2J\u202e.txt" });
    // eslint-disable-next-line no-control-regex -- the point of the check
    expect(lines[1]).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e]/);
    if (format === "json") expect(JSON.parse(lines[0] ?? "").source).toBe(forged);
  });
});
