import type { AutocompleteInteraction } from "discord.js";
import type { APIApplicationCommandOption } from "discord-api-types/v10";
import { LIMITS, truncate } from "../../render/discord.js";
import type { BotContext } from "../context.js";

/** The `event` option of /ask and /search: an event id, suggested as the member types. */
export const EVENT_OPTION: APIApplicationCommandOption = {
  type: 3, // string
  name: "event",
  description: "Only use articles about this summit (see /summits)",
  required: false,
  autocomplete: true,
  max_length: 100,
};

/** Suggests events whose name, place, date or id contain what the member typed. */
export async function suggestEvents(interaction: AutocompleteInteraction, ctx: BotContext): Promise<void> {
  const typed = String(interaction.options.getFocused()).toLowerCase();
  const events = await ctx.app.events();
  const choices = events
    .filter((e) => [e.id, e.name, e.place.value, e.date.value].some((v) => v.toLowerCase().includes(typed)))
    .slice(0, 25)
    .map((e) => ({ name: truncate(`${e.name} (${e.date.value})`, LIMITS.choiceName), value: e.id }));
  await interaction.respond(choices);
}

/** The name of event `id`, for footers. */
export async function eventName(ctx: BotContext, id: string | null): Promise<string | undefined> {
  if (!id) return undefined;
  return (await ctx.app.events()).find((e) => e.id === id)?.name ?? id;
}
