
/*
 * Fairness and load limits for the bot: a token bucket per user, and a cap on
 * questions answered at once with a bounded queue behind it. Time is passed in
 * (`now`), so tests need no clocks.
 */

export type Take = { readonly ok: true } | { readonly ok: false; readonly retryAfterMs: number };

/** A member's allowance: in memory (UserRateLimiter, the default) or, with DATABASE_URL, in Postgres for every bot process (PgRateLimiter). */
export interface RateLimiter {
  /** Spends one question of `user`'s allowance, or says how long until one is available. */
  take(user: string, now: number): Take | Promise<Take>;
}

export class UserRateLimiter implements RateLimiter {
  readonly #buckets = new Map<string, { tokens: number; at: number }>();
  readonly #burst: number;
  readonly #perMs: number;
  readonly #maxUsers: number;

  constructor(options: { perMinute: number; burst: number; maxUsers?: number }) {
    this.#burst = options.burst;
    this.#perMs = options.perMinute / 60_000;
    this.#maxUsers = options.maxUsers ?? 10_000;
  }

  /** Spends one question of `user`'s allowance, or says how long until one is available. */
  take(user: string, now: number): Take {
    const b = this.#buckets.get(user) ?? { tokens: this.#burst, at: now };
    b.tokens = Math.min(this.#burst, b.tokens + (now - b.at) * this.#perMs);
    b.at = now;
    this.#buckets.set(user, b);
    if (this.#buckets.size > this.#maxUsers) this.#forgetIdle(now);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, retryAfterMs: Math.ceil((1 - b.tokens) / this.#perMs) };
  }

  get users(): number {
    return this.#buckets.size;
  }

  /** Users whose bucket has refilled are indistinguishable from new ones: drop them, keeping memory bounded. */
  #forgetIdle(now: number): void {
    for (const [user, b] of this.#buckets) {
      if (b.tokens + (now - b.at) * this.#perMs >= this.#burst) this.#buckets.delete(user);
    }
  }
}

export class BusyError extends Error {
  constructor() {
    super("too many questions are waiting");
    this.name = "BusyError";
  }
}

/** Runs at most `max` tasks at once; up to `queue` more wait their turn, in order; beyond that, BusyError. */
export class ConcurrencyGate {
  #active = 0;
  readonly #waiting: (() => void)[] = [];
  readonly #max: number;
  readonly #queue: number;

  constructor(options: { max: number; queue: number }) {
    this.#max = options.max;
    this.#queue = options.queue;
  }

  get active(): number {
    return this.#active;
  }

  get waiting(): number {
    return this.#waiting.length;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#active >= this.#max) {
      if (this.#waiting.length >= this.#queue) throw new BusyError();
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    } else {
      this.#active++;
    }
    try {
      return await task();
    } finally {
      const next = this.#waiting.shift();
      // The slot passes straight to the next task, so `active` never exceeds `max`.
      if (next) next();
      else this.#active--;
    }
  }
}
