export const FAULT_KINDS = ["transient", "throttle", "permanent", "timeout", "crash_before_send", "crash_after_send", "crash_expansion", "crash_sweep", "crash_worker", "replay_batch", "duplicate_record"] as const;

/** The pseudo-channel whose rules kill broadcast expanders mid-page (kind crash_expansion). */
export const EXPANSION_FAULT_CHANNEL = "expansion";
/** The pseudo-channel whose rules kill the deferred sweeper mid-run (kind crash_sweep). */
export const SWEEP_FAULT_CHANNEL = "sweeper";
/** The pseudo-channel whose rules replay the delivery-events stream's batches (replay_batch) and repeat records (duplicate_record). */
export const STREAM_FAULT_CHANNEL = "stream";
export type FaultKind = (typeof FAULT_KINDS)[number];

/**
 * Kinds that kill a function's invocation at a random point, drawn once per invocation rather than
 * per provider send: crash_worker on a provider channel (a worker dies wherever it is, e.g. joining
 * a digest), the others on their pseudo-channel only.
 */
const INVOCATION_CRASHES: Partial<Record<FaultKind, string | undefined>> = { crash_expansion: EXPANSION_FAULT_CHANNEL, crash_sweep: SWEEP_FAULT_CHANNEL, crash_worker: undefined };
/** Kinds drawn once per batch the stream's event source hands over, on their pseudo-channel only. */
const STREAM_FAULTS: Partial<Record<FaultKind, string>> = { replay_batch: STREAM_FAULT_CHANNEL, duplicate_record: STREAM_FAULT_CHANNEL };
const PSEUDO_CHANNELS = [EXPANSION_FAULT_CHANNEL, SWEEP_FAULT_CHANNEL, STREAM_FAULT_CHANNEL];
const isDrawnPerInvocation = (kind: FaultKind) => kind in INVOCATION_CRASHES || kind in STREAM_FAULTS;

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
    const boundTo: Partial<Record<FaultKind, string | undefined>> = { ...INVOCATION_CRASHES, ...STREAM_FAULTS };
    const kindsOf = (channel: string) => Object.entries(boundTo).flatMap(([kind, bound]) => (bound === channel ? [kind] : []));
    const bound = boundTo[rule.kind];
    if (bound !== undefined && rule.channel !== bound) throw new RangeError(`${rule.kind} is for channel ${bound} only`);
    if (PSEUDO_CHANNELS.includes(rule.channel) && !kindsOf(rule.channel).includes(rule.kind)) throw new RangeError(`channel ${rule.channel} takes only ${kindsOf(rule.channel).join(", ")}`);
    if (rule.kind === "crash_worker" && (rule.channel === "*" || PSEUDO_CHANNELS.includes(rule.channel))) throw new RangeError("crash_worker names one provider channel");
    if (!(rule.rate >= 0 && rule.rate <= 1)) throw new RangeError("rate must be between 0 and 1");
    if (rule.times !== undefined && !(Number.isInteger(rule.times) && rule.times > 0)) throw new RangeError("times must be a positive integer");
    this.rules.push({ ...rule, used: 0 });
  }

  clear(): void {
    this.rules = [];
  }

  /** The fault this provider send meets, if any (invocation crashes are drawn with drawPerInvocation). */
  draw(channel: string): FaultKind | undefined {
    return this.drawWhere((rule) => !isDrawnPerInvocation(rule.kind) && (rule.channel === channel || rule.channel === "*"));
  }

  /** Whether this invocation (or batch) of the function behind `channel` meets a `kind` rule. */
  drawPerInvocation(kind: FaultKind, channel: string): boolean {
    return this.drawWhere((rule) => rule.kind === kind && rule.channel === channel) === kind;
  }

  private drawWhere(matches: (rule: FaultRule) => boolean): FaultKind | undefined {
    for (const rule of this.rules) {
      if (!matches(rule)) continue;
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
