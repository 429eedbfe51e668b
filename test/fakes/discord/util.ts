/*
 * Small helpers shared by the fake Discord's modules: JSON-ish records, Discord
 * error bodies, HTTP body parsing and "past or future" waiting on an event log.
 */
import http from "node:http";
import type { RawData } from "ws";
import type { RecordedFile } from "./types.js";

export type Json = Record<string, unknown>;

/** What a REST handler answers. */
export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export const iso = (ms: number = Date.now()): string => new Date(ms).toISOString();

export const errorBody = (code: number, message: string, errors?: unknown): Json =>
  errors === undefined ? { message, code } : { message, code, errors };

export const formError = (field: string, code: string, message: string): Reply => ({
  status: 400,
  body: errorBody(50035, "Invalid Form Body", { [field]: { _errors: [{ code, message }] } }),
});

export const notFound = (code: number, message: string): Reply => ({ status: 404, body: errorBody(code, message) });

export function defaultFailureBody(status: number, retryAfter: number, global: boolean): unknown {
  if (status === 429) return { message: "You are being rate limited.", retry_after: retryAfter, global };
  const text = http.STATUS_CODES[status] ?? "Error";
  return errorBody(0, `${status}: ${text}`);
}

export function asRecord(value: unknown): Json {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Json) : {};
}

export function omit<T extends object, K extends keyof T>(obj: T, ...keys: K[]): Omit<T, K> {
  const copy = { ...obj };
  for (const key of keys) delete copy[key];
  return copy;
}

export function str(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/** True when a message body (or message) has something Discord would display. */
export function hasContent(body: Json): boolean {
  const nonEmpty = (v: unknown): boolean => (typeof v === "string" ? v.length > 0 : Array.isArray(v) ? v.length > 0 : v != null);
  return ["content", "embeds", "components", "sticker_ids", "poll", "attachments"].some((k) => nonEmpty(body[k]));
}

export async function parseBody(raw: Buffer, contentType: string): Promise<{ body: unknown; files: RecordedFile[] }> {
  if (raw.length === 0) return { body: null, files: [] };
  if (contentType.startsWith("application/json")) return { body: JSON.parse(raw.toString("utf8")) as unknown, files: [] };
  if (contentType.startsWith("multipart/form-data")) {
    const form = await new Response(raw, { headers: { "content-type": contentType } }).formData();
    let body: unknown = null;
    const files: RecordedFile[] = [];
    for (const [field, value] of form.entries()) {
      if (typeof value === "string") {
        if (field === "payload_json") body = JSON.parse(value) as unknown;
      } else {
        files.push({ field, name: value.name, contentType: value.type, size: value.size });
      }
    }
    return { body, files };
  }
  return { body: raw.toString("utf8"), files: [] };
}

export function lowerKeys(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}

export function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

export function rawToString(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString("utf8");
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString("utf8");
  return data.toString("utf8");
}

interface Waiter<T> {
  match: (x: T) => boolean;
  resolve: (x: T) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * An append-only log that can be awaited for an entry matching a predicate,
 * whether it was appended before or after the wait started.
 */
export class AwaitableLog<T> {
  readonly items: T[] = [];
  private readonly waiters = new Set<Waiter<T>>();
  private closed = false;

  /** @param what names an entry in timeout errors; `describe` adds context to them. */
  constructor(
    private readonly what: string,
    private readonly describe: () => string = () => "",
  ) {}

  push(item: T): void {
    this.items.push(item);
    for (const w of [...this.waiters]) if (w.match(item)) w.resolve(item);
  }

  waitFor(match: (x: T) => boolean, timeoutMs: number): Promise<T> {
    const found = this.items.find(match);
    if (found) return Promise.resolve(found);
    if (this.closed) return Promise.reject(new Error(`fake Discord is closed (waiting for ${this.what})`));
    return new Promise<T>((resolve, reject) => {
      const waiter: Waiter<T> = {
        match,
        resolve: (x) => {
          clearTimeout(waiter.timer);
          this.waiters.delete(waiter);
          resolve(x);
        },
        reject: (e) => {
          clearTimeout(waiter.timer);
          this.waiters.delete(waiter);
          reject(e);
        },
        timer: setTimeout(() => {
          waiter.reject(new Error(`fake Discord: no matching ${this.what} within ${timeoutMs} ms${this.describe()}`));
        }, timeoutMs),
      };
      this.waiters.add(waiter);
    });
  }

  /** Rejects every pending wait and any later one. */
  close(): void {
    this.closed = true;
    for (const w of [...this.waiters]) w.reject(new Error("fake Discord closed"));
  }
}

/** A REST request as handlers see it (path without `/api/v10`, segments decoded). */
export interface RequestContext {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
  files: RecordedFile[];
  headers: Record<string, string>;
  authorized: boolean;
}
