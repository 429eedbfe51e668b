/*
 * Tests may only talk to 127.0.0.1. Any other fetch or DNS lookup fails at
 * once (as it would on an offline machine, but without waiting on a resolver),
 * and is recorded so a test can assert nothing tried.
 */
import dns from "node:dns";

export const blockedRequests: string[] = [];

const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1", "[::1]"]);
const realFetch = globalThis.fetch;

globalThis.fetch = (async (input: Parameters<typeof fetch>[0], init?: RequestInit) => {
  const url = new URL(typeof input === "string" ? input : input instanceof URL ? input.href : input.url);
  if (!LOOPBACK.has(url.hostname)) {
    blockedRequests.push(url.href);
    throw new TypeError("fetch failed", { cause: Object.assign(new Error(`getaddrinfo ENOTFOUND ${url.hostname}`), { code: "ENOTFOUND" }) });
  }
  return realFetch(input, init);
}) as typeof fetch;

const realLookup = dns.lookup;
// @ts-expect-error -- overloads of dns.lookup cannot be expressed by one signature
dns.lookup = (hostname: string, ...rest: unknown[]) => {
  const callback = rest.at(-1) as (err: Error | null) => void;
  if (!LOOPBACK.has(hostname)) {
    blockedRequests.push(hostname);
    process.nextTick(() => callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND" })));
    return;
  }
  // @ts-expect-error -- forwarding the caller's own arguments
  return realLookup(hostname, ...rest);
};
