import { ApplicationCommandOptionType, ApplicationCommandType, InteractionContextType, PermissionFlagsBits } from "discord.js";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/config.js";
import { allCommands } from "../../../src/discord/commands/index.js";
import { commandRegistry, type Command, type SlashCommand } from "../../../src/discord/commands/command.js";

const slash = (c: Command | undefined): SlashCommand => {
  if (c?.kind !== "slash") throw new Error("not a slash command");
  return c;
};

describe("command registry", () => {
  const commands = allCommands(loadConfig({}));

  it("holds every command by name, the context-menu command included", () => {
    expect([...commands.keys()].sort()).toEqual(["Ask about this message", "ask", "help", "reload", "search", "sources", "stats", "summits"]);
    expect(commands.get("Ask about this message")?.data).toMatchObject({ type: ApplicationCommandType.Message });
    expect(commands.get("Ask about this message")?.ephemeral({} as never)).toBe(true);
  });

  it("gives /ask and /search a required text option capped at the question limit, and an autocompleted event", () => {
    for (const name of ["ask", "search"]) {
      const c = slash(commands.get(name));
      const [text, ...rest] = c.data.options ?? [];
      expect(text).toMatchObject({ type: ApplicationCommandOptionType.String, required: true, max_length: 1000 });
      expect(rest.find((o) => o.name === "event")).toMatchObject({ type: ApplicationCommandOptionType.String, autocomplete: true, required: false });
      expect(c.gated).toBe(true);
      expect(c.autocomplete).toBeTypeOf("function");
    }
    expect(slash(commands.get("ask")).data.options?.some((o) => o.name === "private" && o.type === ApplicationCommandOptionType.Boolean)).toBe(true);
  });

  it("restricts /reload and /stats to members who can manage the server, in servers only", () => {
    for (const name of ["reload", "stats"]) {
      const data = slash(commands.get(name)).data;
      expect(data.default_member_permissions).toBe(String(PermissionFlagsBits.ManageGuild));
      expect(data.contexts).toEqual([InteractionContextType.Guild]);
    }
    for (const name of ["ask", "search", "sources", "summits", "help", "Ask about this message"]) {
      expect(commands.get(name)?.data.default_member_permissions ?? null).toBeNull();
    }
  });

  it("offers the member commands in DMs only when DMs are answered", () => {
    const off = allCommands(loadConfig({}));
    const on = allCommands(loadConfig({ DISCORD_ANSWER_DMS: "true" }));
    expect(off.get("ask")?.data.contexts).toEqual([InteractionContextType.Guild]);
    expect(on.get("ask")?.data.contexts).toEqual([InteractionContextType.Guild, InteractionContextType.BotDM]);
    expect(on.get("reload")?.data.contexts).toEqual([InteractionContextType.Guild]);
  });

  it("has English names and descriptions within Discord's rules, and localised descriptions", () => {
    for (const c of commands.values()) {
      if (c.kind !== "slash") continue;
      expect(c.data.name).toMatch(/^[-_a-z0-9]{1,32}$/);
      expect(c.data.description.length).toBeLessThanOrEqual(100);
      expect(Object.keys(c.data.description_localizations ?? {}).sort()).toEqual(["de", "fr"]);
      for (const o of c.data.options ?? []) {
        expect(o.name).toMatch(/^[-_a-z0-9]{1,32}$/);
        expect(o.description.length).toBeLessThanOrEqual(100);
      }
    }
  });

  it("makes /sources and /summits private unless asked to be public", () => {
    for (const name of ["sources", "summits"]) {
      const c = slash(commands.get(name));
      const req = (value: boolean | null) => ({ source: { options: { getBoolean: () => value } } }) as never;
      expect(c.ephemeral(req(null))).toBe(true);
      expect(c.ephemeral(req(true))).toBe(false);
    }
  });

  it("refuses duplicate commands", () => {
    const ok = commands.get("help") as Command;
    expect(() => commandRegistry([ok, ok])).toThrow(/two commands/);
  });
});
