/*
 * Discord's own description of its HTTP API (OpenAPI 3.1, vendored in
 * test/fixtures/discord-api-spec with its MIT licence) as a request-body
 * validator for the fake Discord.
 *
 *   const check = checkRequest("POST", "/channels/123/messages", { content: "hi" });
 *   if (!check.ok) console.log(check.text);
 *
 * Paths are the fake's recorded paths: without the `/api/v10` prefix (the spec's
 * server URL is `https://discord.com/api/v10`), without the query, segments decoded.
 * OpenAPI 3.1 schemas are JSON Schema 2020-12: the whole document is added to Ajv2020
 * under an $id, and each operation's body schema is compiled as a `$ref` into it, so
 * the spec's own `#/components/schemas/...` references resolve. Validators are
 * compiled on first use and cached for the process.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Ajv2020, type ErrorObject, type ValidateFunction } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";

const addFormats = addFormatsModule.default;

export const SPEC_FILE = fileURLToPath(new URL("../fixtures/discord-api-spec/openapi.json", import.meta.url));
const SPEC_ID = "https://discord.com/api/v10/openapi.json";
const METHODS = ["get", "put", "post", "patch", "delete"] as const;

interface MediaType {
  schema?: unknown;
}
interface Operation {
  operationId?: string;
  requestBody?: { required?: boolean; content?: Record<string, MediaType> };
}
interface SpecDocument {
  info: { version: string };
  paths: Record<string, Record<string, unknown>>;
}

export interface SpecOperation {
  readonly method: string;
  /** The spec's path template, e.g. `/channels/{channel_id}/messages`. */
  readonly template: string;
  readonly operationId: string;
  /** Media types the operation accepts a body in (empty: it takes no body). */
  readonly mediaTypes: readonly string[];
  readonly bodyRequired: boolean;
}

export interface SpecCheck {
  readonly ok: boolean;
  /** Null when the spec has no operation for the method and path. */
  readonly operation: SpecOperation | null;
  readonly errors: readonly ErrorObject[];
  /** One readable line per problem, prefixed with the method and path. */
  readonly text: string;
}

interface Compiled {
  doc: SpecDocument;
  ajv: Ajv2020;
  operations: { op: SpecOperation; segments: string[]; pointer: string }[];
  validators: Map<string, ValidateFunction>;
}

let compiled: Compiled | null = null;

/** JSON pointer token escaping (RFC 6901), then URI-fragment encoding for use in a `$ref`. */
const pointerToken = (s: string): string => encodeURIComponent(s.replace(/~/g, "~0").replace(/\//g, "~1"));

function load(): Compiled {
  if (compiled) return compiled;
  const doc = JSON.parse(readFileSync(SPEC_FILE, "utf8")) as SpecDocument;
  const ajv = new Ajv2020({
    // The spec carries OpenAPI/Discord keywords (x-discord-union, discriminator, ...)
    // that are annotations for validation purposes.
    strict: false,
    allErrors: true,
    // The OpenAPI document itself is not a JSON Schema; only its schema parts are compiled.
    validateSchema: false,
    verbose: false,
  });
  addFormats(ajv);
  // Discord-specific formats: the accompanying `pattern`/`maxLength` do the checking.
  ajv.addFormat("snowflake", /^(0|[1-9][0-9]*)$/);
  ajv.addFormat("nonce", { type: "string", validate: () => true });
  ajv.addSchema({ ...doc, $id: SPEC_ID });

  const operations: Compiled["operations"] = [];
  for (const [template, item] of Object.entries(doc.paths)) {
    for (const method of METHODS) {
      const op = item[method] as Operation | undefined;
      if (!op) continue;
      const content = op.requestBody?.content ?? {};
      operations.push({
        op: {
          method: method.toUpperCase(),
          template,
          operationId: op.operationId ?? `${method} ${template}`,
          mediaTypes: Object.keys(content),
          bodyRequired: op.requestBody?.required === true,
        },
        segments: template.split("/"),
        pointer: `#/paths/${pointerToken(template)}/${method}/requestBody/content`,
      });
    }
  }
  compiled = { doc, ajv, operations, validators: new Map() };
  return compiled;
}

/**
 * Loads the spec and compiles the body validators of the operations the fake serves
 * (about 0.8 s, once per process), so that no request pays for it: compiling is
 * synchronous and would otherwise stall the fake's event loop on a first request.
 */
export function warmUpSpec(): void {
  for (const [method, path] of [
    ["POST", "/channels/1/messages"],
    ["PATCH", "/channels/1/messages/1"],
    ["POST", "/channels/1/messages/1/threads"],
    ["POST", "/interactions/1/t/callback"],
    ["POST", "/webhooks/1/t"],
    ["PATCH", "/webhooks/1/t/messages/@original"],
    ["PATCH", "/webhooks/1/t/messages/1"],
    ["PUT", "/applications/1/commands"],
    ["PUT", "/applications/1/guilds/1/commands"],
  ] as const) {
    const op = findOperation(method, path);
    if (op) validatorFor(op);
  }
}

/** The spec's version string (info.version). */
export function specVersion(): string {
  return load().doc.info.version;
}

function matchScore(templateSegments: string[], pathSegments: string[]): number | null {
  if (templateSegments.length !== pathSegments.length) return null;
  // Literal segments beat parameters (`/messages/@original` over `/messages/{message_id}`,
  // `/messages/bulk-delete` over `/messages/{message_id}`): earlier literals weigh more.
  let score = 0;
  for (let i = 0; i < templateSegments.length; i++) {
    const t = templateSegments[i] ?? "";
    const p = pathSegments[i] ?? "";
    if (/^\{[^}]+\}$/.test(t)) {
      if (p === "") return null;
      continue;
    }
    if (t !== p) return null;
    score += 2 ** (templateSegments.length - i);
  }
  return score;
}

/** The spec operation for a method and a path (as the fake records it), or null. */
export function findOperation(method: string, path: string): SpecOperation | null {
  const { operations } = load();
  const segments = path.split("/");
  let best: { op: SpecOperation; score: number } | null = null;
  for (const o of operations) {
    if (o.op.method !== method.toUpperCase()) continue;
    const score = matchScore(o.segments, segments);
    if (score !== null && (!best || score > best.score)) best = { op: o.op, score };
  }
  return best?.op ?? null;
}

function validatorFor(op: SpecOperation): ValidateFunction | null {
  const c = load();
  // JSON bodies and the payload_json part of multipart bodies are both checked
  // against the application/json schema (the multipart one is that schema plus `files[n]`).
  const mediaType = op.mediaTypes.includes("application/json") ? "application/json" : op.mediaTypes[0];
  if (mediaType === undefined) return null;
  const key = `${op.method} ${op.template}`;
  let validate = c.validators.get(key);
  if (!validate) {
    const entry = c.operations.find((o) => o.op === op);
    if (!entry) return null;
    validate = c.ajv.compile({ $ref: `${SPEC_ID}${entry.pointer}/${pointerToken(mediaType)}/schema` });
    c.validators.set(key, validate);
  }
  return validate;
}

const describe = (method: string, path: string, op: SpecOperation | null): string =>
  `${method} ${path}${op ? ` (${op.operationId}, ${op.template})` : ""}`;

/**
 * Checks a request against the spec: the method and path must name an operation,
 * and the body (the parsed JSON body or multipart payload_json; null when none)
 * must match that operation's request body schema.
 */
export function checkRequest(method: string, path: string, body: unknown): SpecCheck {
  const op = findOperation(method, path);
  const where = describe(method, path, op);
  const fail = (errors: ErrorObject[], lines: string[]): SpecCheck => ({
    ok: false,
    operation: op,
    errors,
    text: lines.map((l) => `${where}: ${l}`).join("\n"),
  });
  if (!op) return fail([], ["no such operation in Discord's API description"]);
  if (body === null || body === undefined) {
    return op.bodyRequired ? fail([], ["a request body is required"]) : { ok: true, operation: op, errors: [], text: "" };
  }
  const validate = validatorFor(op);
  if (!validate) return fail([], ["the operation takes no request body"]);
  if (validate(body)) return { ok: true, operation: op, errors: [], text: "" };
  const errors = [...(validate.errors ?? [])];
  return fail(errors, formatErrors(errors));
}

/**
 * Readable lines for ajv errors, e.g. `/embeds/0/title must NOT have more than 256 characters`.
 * Unions (anyOf/oneOf) make ajv report every branch; to keep the lines useful, errors on a
 * location that has deeper errors are left out, and `const`/`enum` misses at one location
 * are merged into one "must be one of" line. The full list stays in `SpecCheck.errors`.
 */
export function formatErrors(errors: readonly ErrorObject[]): string[] {
  const paths = errors.map((e) => e.instancePath);
  const leaf = errors.filter((e) => !paths.some((p) => p !== e.instancePath && p.startsWith(`${e.instancePath}/`)));
  const lines: string[] = [];
  const allowed = new Map<string, Set<unknown>>();
  for (const e of leaf.length > 0 ? leaf : errors) {
    const at = e.instancePath || "(body)";
    if (e.keyword === "const" || e.keyword === "enum") {
      const params = e.params as { allowedValue?: unknown; allowedValues?: unknown[] };
      const set = allowed.get(at) ?? new Set<unknown>();
      for (const v of params.allowedValues ?? [params.allowedValue]) set.add(v);
      allowed.set(at, set);
      continue;
    }
    if (e.keyword === "anyOf" || e.keyword === "oneOf") continue;
    const extra = e.keyword === "additionalProperties" ? ` ${JSON.stringify(e.params)}` : "";
    lines.push(`${at} ${e.message ?? e.keyword}${extra}`);
  }
  for (const [at, values] of allowed) lines.push(`${at} must be one of ${JSON.stringify([...values])}`);
  if (lines.length === 0) lines.push(...errors.map((e) => `${e.instancePath || "(body)"} ${e.message ?? e.keyword}`));
  return [...new Set(lines)];
}

/**
 * Discord's `Invalid Form Body` error tree for ajv errors: `{ embeds: { 0: { title:
 * { _errors: [{ code, message }] } } } }` (code: `SPEC_<KEYWORD>`).
 */
export function discordFormErrors(errors: readonly ErrorObject[]): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const e of errors) {
    const parts = e.instancePath.split("/").slice(1).map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));
    let node = root;
    for (const part of parts.length > 0 ? parts : ["_"]) {
      const next = (node[part] ??= {}) as Record<string, unknown>;
      node = next;
    }
    const list = (node._errors ??= []) as { code: string; message: string }[];
    list.push({ code: `SPEC_${e.keyword.toUpperCase()}`, message: `${e.message ?? e.keyword} (${e.schemaPath})` });
  }
  return root;
}
