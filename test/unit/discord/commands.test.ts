import { describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/config.js";
import { allCommands } from "../../../src/discord/commands/index.js";
import { commandRegistry, type Command } from "../../../src/discord/commands/command.js";

describe("command registry", () => {
  const commands = allCommands(loadConfig({}));

  it("holds every command by name", () => {
    expect([...commands.keys()].sort()).toEqual(["ask", "help", "search", "sources", "summits"]);
  });

  it("gives /ask and /search a required text option capped at the question limit, and an autocompleted event", () => {
    for (const name of ["ask", "search"]) {
      const c = commands.get(name);
      const [text, ...rest] = c?.data.options ?? [];
      expect(text).toMatchObject({ type: 3, required: true, max_length: 1000 });
      expect(rest.find((o) => o.name === "event")).toMatchObject({ type: 3, autocomplete: true, required: false });
      expect(c?.limited).toBe(true);
      expect(c?.autocomplete).toBeTypeOf("function");
    }
    expect(commands.get("ask")?.data.options?.some((o) => o.name === "private" && o.type === 5)).toBe(true);
  });

  it("keeps to Discord's rules for names and descriptions", () => {
    for (const c of commands.values()) {
      expect(c.data.name).toMatch(/^[-_a-z0-9]{1,32}$/);
      expect(c.data.description.length).toBeLessThanOrEqual(100);
      for (const o of c.data.options ?? []) {
        expect(o.name).toMatch(/^[-_a-z0-9]{1,32}$/);
        expect(o.description.length).toBeLessThanOrEqual(100);
      }
    }
  });

  it("refuses malformed and duplicate commands", () => {
    const ok = commands.get("help") as Command;
    expect(() => commandRegistry([ok, ok])).toThrow(/two commands/);
    expect(() => commandRegistry([{ ...ok, data: { ...ok.data, name: "Bad Name!" } }])).toThrow(/invalid command/);
    expect(() => commandRegistry([{ ...ok, run: undefined } as unknown as Command])).toThrow(/invalid command/);
  });
});
