export interface BackoffPolicy {
  /** Delay before the second receive, in seconds. */
  baseSeconds: number;
  /** Longest delay; SQS visibility allows at most 12 hours. */
  maxSeconds: number;
}

/**
 * Seconds until receive `attempt + 1`: exponential in the attempts so far, with equal jitter (half
 * fixed, half random) so a burst of failures does not come back as a burst. Throttling starts four
 * times higher, since the provider has just said it is overloaded.
 */
export function retryDelaySeconds(attempt: number, policy: BackoffPolicy, throttled: boolean, random: () => number = Math.random): number {
  const base = policy.baseSeconds * (throttled ? 4 : 1);
  const ceiling = Math.min(policy.maxSeconds, base * 2 ** Math.max(0, attempt - 1));
  return Math.min(43_200, Math.round(ceiling / 2 + random() * (ceiling / 2)));
}
