/** Work still running, so a shutdown can wait for all of it. */
export class Pending {
  readonly #running = new Set<Promise<unknown>>();

  /** Returns `work`, remembered until it settles. */
  track<T>(work: Promise<T>): Promise<T> {
    this.#running.add(work);
    const forget = () => void this.#running.delete(work);
    work.then(forget, forget);
    return work;
  }

  /** Settles once everything tracked so far has settled (never rejects). */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.#running]);
  }
}
