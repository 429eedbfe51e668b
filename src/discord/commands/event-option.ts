import type { AutocompleteInteraction, SlashCommandStringOption } from "discord.js";
import { LIMITS, truncate } from "../../render/discord.js";
import type { BotContext } from "../context.js";

/** The `event` option of /ask and /search: an event id, suggested as the member types. */
export const eventOption = (o: SlashCommandStringOption): SlashCommandStringOption =>
  o
    .setName("event")
    .setDescription("Only use articles about this summit (see /summits)")
    .setDescriptionLocalizations({ fr: "N’utiliser que les articles sur ce sommet (voir /summits)", de: "Nur Artikel über diesen Gipfel verwenden (siehe /summits)" })
    .setRequired(false)
    .setAutocomplete(true)
    .setMaxLength(100);

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
