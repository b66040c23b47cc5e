/** A template's throttle: at most `max` notifications of its type per user (and key value) every `perMinutes`. */
export interface ThrottleRule {
  readonly max: number;
  readonly perMinutes: number;
  /** The data field whose value is throttled apart; without it, per user. */
  readonly key?: string;
}

/**
 * The most a window may count: its counter keeps one attribute per notification it counted (so a
 * redelivery learns its position), about 150 bytes each, on one item of at most 400 KB.
 */
export const MAX_THROTTLE_MAX = 1_000;

/** The problem with a throttle rule, or undefined when it is sound. */
export function throttleRuleProblem(rule: ThrottleRule, dataFields: readonly string[]): string | undefined {
  if (!(Number.isInteger(rule.max) && rule.max >= 1 && rule.max <= MAX_THROTTLE_MAX)) return `throttle max must be a whole number from 1 to ${MAX_THROTTLE_MAX}, not ${rule.max}`;
  if (!(Number.isInteger(rule.perMinutes) && rule.perMinutes >= 1 && rule.perMinutes <= 7 * 24 * 60)) return `throttle perMinutes must be whole minutes from 1 to a week, not ${rule.perMinutes}`;
  if (rule.key !== undefined && !dataFields.includes(rule.key)) return `throttle key ${rule.key} is not a field of the template's data`;
  return undefined;
}

/** Throttles count in fixed windows of `perMinutes`, numbered from the epoch, so every worker agrees on the window. */
export function throttleWindowOf(instant: number, rule: ThrottleRule): number {
  return Math.floor(instant / (rule.perMinutes * 60_000));
}

/**
 * What happens to a notification that is the `position`-th (counting from 1) in its throttle
 * window: sent; past `max`, folded into the digest when the template has one, else suppressed
 * with reason `throttled`.
 */
export function throttleDecision(position: number, rule: ThrottleRule, hasDigest: boolean): "send" | "digest" | "suppress" {
  if (position <= rule.max) return "send";
  return hasDigest ? "digest" : "suppress";
}
