import { describe, expect, it } from "vitest";
import { LIMITS } from "../../../src/render/discord.js";
import { checkRequest } from "../../fakes/discord-spec.js";

/*
 * The bot's Discord limits (src/render/discord.ts LIMITS) are Discord's:
 * for each one, a payload exactly at the limit passes Discord's OpenAPI
 * description and one a character (or an item) over fails it. The total of
 * 6000 characters over a message's embeds is not in the description; it is
 * Discord's documented rule and the render tests keep to it.
 */

const ORIGINAL = "/webhooks/1234567890123456780/aW50ZXJhY3Rpb24tdG9rZW4/messages/@original";
const CALLBACK = "/interactions/1234567890123456789/aW50ZXJhY3Rpb24tdG9rZW4/callback";
const THREAD = "/channels/1234567890123456789/messages/1234567890123456780/threads";

const x = (n: number) => "x".repeat(n);
const field = (name: string, value: string) => ({ name, value });

const cases: [keyof typeof LIMITS, (n: number) => [string, string, unknown]][] = [
  ["content", (n) => ["PATCH", ORIGINAL, { content: x(n) }]],
  ["title", (n) => ["PATCH", ORIGINAL, { embeds: [{ title: x(n) }] }]],
  ["description", (n) => ["PATCH", ORIGINAL, { embeds: [{ description: x(n) }] }]],
  ["fieldName", (n) => ["PATCH", ORIGINAL, { embeds: [{ fields: [field(x(n), "v")] }] }]],
  ["fieldValue", (n) => ["PATCH", ORIGINAL, { embeds: [{ fields: [field("n", x(n))] }] }]],
  ["fields", (n) => ["PATCH", ORIGINAL, { embeds: [{ fields: Array.from({ length: n }, () => field("n", "v")) }] }]],
  ["footer", (n) => ["PATCH", ORIGINAL, { embeds: [{ footer: { text: x(n) } }] }]],
  ["embedsPerMessage", (n) => ["PATCH", ORIGINAL, { embeds: Array.from({ length: n }, () => ({ title: "t" })) }]],
  ["choiceName", (n) => ["POST", CALLBACK, { type: 8, data: { choices: [{ name: x(n), value: "v" }] } }]],
  ["threadName", (n) => ["POST", THREAD, { name: x(n) }]],
];

describe("the bot's Discord limits match Discord's API description", () => {
  it.each(cases)("%s", (key, payload) => {
    const limit = LIMITS[key];
    const at = checkRequest(...payload(limit));
    expect(at.text).toBe("");
    const over = checkRequest(...payload(limit + 1));
    expect(over.ok).toBe(false);
  });

  it("covers every limit but the embed total", () => {
    expect(cases.map(([k]) => k).sort()).toEqual(Object.keys(LIMITS).filter((k) => k !== "embedTotal").sort());
  });
});
