/*
 * REST handlers for application commands (global and guild): list, bulk overwrite,
 * create/upsert and delete, with Discord's name/description validation.
 */
import { ApplicationCommandType, type APIApplicationCommand } from "discord.js";
import { commandKey, snowflake, type FakeState } from "./state.js";
import { asRecord, errorBody, formError, notFound, str, type Json, type Reply } from "./util.js";

type Commands = Map<string, APIApplicationCommand>;

/** Runs `fn` on the command map of the application (and guild, or null for global), or answers the error. */
export function withCommands(state: FakeState, appId: string, guildId: string | null, fn: (m: Commands) => Reply): Reply {
  if (appId !== state.applicationId) return { status: 403, body: errorBody(50001, "Missing Access") };
  if (guildId === null) return fn(state.globalCommands);
  if (!state.hasGuild(guildId)) return notFound(10004, "Unknown Guild");
  let map = state.guildCommands.get(guildId);
  if (!map) state.guildCommands.set(guildId, (map = new Map()));
  return fn(map);
}

function validateCommand(raw: unknown, index: number | null): { cmd: Json } | { error: Reply } {
  const cmd = asRecord(raw);
  const at = (field: string): string => (index === null ? field : `${index}.${field}`);
  const type = typeof cmd.type === "number" ? cmd.type : ApplicationCommandType.ChatInput;
  const name = str(cmd.name) ?? "";
  const chatInput = type === ApplicationCommandType.ChatInput;
  const validName = chatInput ? /^[-_'\p{L}\p{N}]{1,32}$/u.test(name) && name === name.toLowerCase() : name.length >= 1 && name.length <= 32;
  if (!validName) return { error: formError(at("name"), "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid") };
  const description = str(cmd.description) ?? "";
  if (chatInput && (description.length < 1 || description.length > 100)) {
    return { error: formError(at("description"), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.") };
  }
  return { cmd: { ...cmd, type, name, description: chatInput ? description : "" } };
}

function commandObject(state: FakeState, map: Commands, cmd: Json, guildId: string | null): APIApplicationCommand {
  const name = String(cmd.name);
  const existing = map.get(commandKey(Number(cmd.type), name));
  const id = existing?.id ?? state.commandIdsByName.get(name) ?? snowflake();
  state.commandIdsByName.set(name, id);
  return {
    ...cmd,
    id,
    application_id: state.applicationId,
    ...(guildId ? { guild_id: guildId } : {}),
    name_localizations: (cmd.name_localizations as APIApplicationCommand["name_localizations"]) ?? null,
    description_localizations: (cmd.description_localizations as APIApplicationCommand["description_localizations"]) ?? null,
    // Sent as an integer or a numeric string; Discord answers a string.
    default_member_permissions: permissionsString(cmd.default_member_permissions),
    nsfw: (cmd.nsfw as boolean | undefined) ?? false,
    contexts: (cmd.contexts as APIApplicationCommand["contexts"]) ?? null,
    integration_types: (cmd.integration_types as APIApplicationCommand["integration_types"]) ?? [0],
    version: snowflake(),
  } as APIApplicationCommand;
}

function permissionsString(value: unknown): string | null {
  if (typeof value === "number" || typeof value === "bigint") return BigInt(value).toString();
  return typeof value === "string" ? value : null;
}

export function overwriteCommands(state: FakeState, map: Commands, body: unknown, guildId: string | null): Reply {
  if (!Array.isArray(body)) return formError("_", "BASE_TYPE_ARRAY", "Must be an array.");
  if (body.length > 100) return formError("_", "BASE_TYPE_MAX_LENGTH", "Must be 100 or fewer in length.");
  const next: Commands = new Map();
  for (const [i, raw] of body.entries()) {
    const v = validateCommand(raw, i);
    if ("error" in v) return v.error;
    const key = commandKey(Number(v.cmd.type), String(v.cmd.name));
    if (next.has(key)) return formError(`${i}.name`, "APPLICATION_COMMANDS_DUPLICATE_NAME", `Application command names must be unique`);
    next.set(key, commandObject(state, map, v.cmd, guildId));
  }
  map.clear();
  for (const [k, v] of next) map.set(k, v);
  return { status: 200, body: [...map.values()] };
}

export function upsertCommand(state: FakeState, map: Commands, body: unknown, guildId: string | null): Reply {
  const v = validateCommand(body, null);
  if ("error" in v) return v.error;
  const key = commandKey(Number(v.cmd.type), String(v.cmd.name));
  const existed = map.has(key);
  const cmd = commandObject(state, map, v.cmd, guildId);
  map.set(key, cmd);
  return { status: existed ? 200 : 201, body: cmd };
}

export function deleteCommand(map: Commands, id: string): Reply {
  for (const [k, v] of map) {
    if (v.id === id) {
      map.delete(k);
      return { status: 204 };
    }
  }
  return notFound(10063, "Unknown application command");
}
