export const FAULT_KINDS = ["transient", "throttle", "permanent", "timeout", "crash_before_send", "crash_after_send", "crash_expansion"] as const;

/** The pseudo-channel whose rules kill broadcast expanders mid-page (kind crash_expansion). */
export const EXPANSION_FAULT_CHANNEL = "expansion";
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultRule {
  channel: string;
  kind: FaultKind;
  /** Share of matching sends that fail, 0..1. */
  rate: number;
  /** How many sends this rule fails before it retires itself; unlimited when absent. */
  times?: number;
}

/**
 * Provider faults for the local cloud's sink: each send on a channel draws against the rules for it,
 * in the order they were added. Counts what it injected, by kind, so a chaos run can report it.
 */
export class ProviderFaults {
  private rules: (FaultRule & { used: number })[] = [];
  private readonly injectedCounts = new Map<FaultKind, number>();
  private readonly random: () => number;

  constructor(random: () => number = Math.random) {
    this.random = random;
  }

  add(rule: FaultRule): void {
    if (!(FAULT_KINDS as readonly string[]).includes(rule.kind)) throw new RangeError(`kind must be one of ${FAULT_KINDS.join(", ")}`);
    if ((rule.kind === "crash_expansion") !== (rule.channel === EXPANSION_FAULT_CHANNEL)) throw new RangeError(`crash_expansion is the one kind for channel ${EXPANSION_FAULT_CHANNEL}`);
    if (!(rule.rate >= 0 && rule.rate <= 1)) throw new RangeError("rate must be between 0 and 1");
    if (rule.times !== undefined && !(Number.isInteger(rule.times) && rule.times > 0)) throw new RangeError("times must be a positive integer");
    this.rules.push({ ...rule, used: 0 });
  }

  clear(): void {
    this.rules = [];
  }

  /** The fault this send meets, if any. */
  draw(channel: string): FaultKind | undefined {
    for (const rule of this.rules) {
      // "*" means every provider channel; expansion faults are asked for by name only.
      if (rule.channel !== channel && (rule.channel !== "*" || channel === EXPANSION_FAULT_CHANNEL)) continue;
      if (this.random() >= rule.rate) continue;
      rule.used++;
      if (rule.times !== undefined && rule.used >= rule.times) this.rules = this.rules.filter((candidate) => candidate !== rule);
      this.injectedCounts.set(rule.kind, (this.injectedCounts.get(rule.kind) ?? 0) + 1);
      return rule.kind;
    }
    return undefined;
  }

  get active(): FaultRule[] {
    return this.rules.map(({ used: _used, ...rule }) => rule);
  }

  get injected(): Record<string, number> {
    return Object.fromEntries(this.injectedCounts);
  }
}
