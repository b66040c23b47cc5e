/** What one batch request left undone: the entries it failed, and whether sending them again can help. */
export interface BatchOutcome<T> {
  failed: T[];
  /** False when the service blamed the entries themselves (a sender fault): resending cannot help. */
  retryable: boolean;
  detail: string;
}

export interface ResendOptions<T> {
  maxAttempts: number;
  sleep: (millis: number) => Promise<void>;
  /** The error to throw for entries still failed when resending stops. */
  giveUp: (failed: T[], detail: string) => Error;
}

/**
 * Sends a batch, then resends only the entries the service reports as failed (throttled shards,
 * internal errors), after an exponential backoff with full jitter, until none fail or it gives up.
 */
export async function sendResendingFailed<T>(entries: T[], send: (pending: T[]) => Promise<BatchOutcome<T>>, options: ResendOptions<T>): Promise<void> {
  let pending = entries;
  for (let attempt = 1; pending.length > 0; attempt++) {
    const { failed, retryable, detail } = await send(pending);
    if (failed.length === 0) return;
    if (!retryable || attempt >= options.maxAttempts) throw options.giveUp(failed, detail);
    pending = failed;
    await options.sleep(50 * 2 ** attempt * Math.random());
  }
}
