/** `work`, or a rejection naming `what` once `ms` have passed without it settling (the work itself goes on). */
export async function within<T>(ms: number, what: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    // Not unref'd: a stop waiting on its grace period must keep the process alive until it ends.
    timer = setTimeout(() => reject(new DeadlinePassed(`${what}: not done within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Whether `work` settled (fulfilled or rejected) within `ms`. */
export async function settlesWithin(ms: number, work: Promise<unknown>): Promise<boolean> {
  const settled = work.then(
    () => undefined,
    () => undefined,
  );
  return within(ms, "work", settled).then(
    () => true,
    () => false,
  );
}

export class DeadlinePassed extends Error {
  override readonly name = "DeadlinePassed";
}
