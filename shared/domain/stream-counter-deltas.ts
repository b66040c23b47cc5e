import { itemKey, type AnalyticsBucket, type AnalyticsItem, type Counters } from "./engagement-analytics.ts";

/**
 * A Kinesis sequence number as a string that sorts as the number does: DynamoDB compares strings
 * byte by byte, and a sequence number has up to 128 decimal digits (too many for a DynamoDB number).
 */
export function streamPosition(sequenceNumber: string): string {
  return sequenceNumber.padStart(128, "0");
}

/**
 * What makes a count happen once: the row (a status new to its row, reported by the row's write,
 * counted whatever the position), or the record's position on the shard (an outcome the row held
 * already, counted only past what the item counted through).
 */
export type CountedOnce = { onceByRow: true } | { position: string };

/** One count of `<channel>:<counter>`, as the item stores it. */
export type Contribution = { counter: string } & CountedOnce;

/**
 * A batch's counts per item, each with what makes it count once, so a write can leave out what the
 * item already counted: Lambda replays records (after a partial batch failure, every record after
 * the failed one; after an error, the whole batch or its halves).
 */
export class StreamCounterDeltas {
  private readonly items = new Map<string, { item: AnalyticsItem; contributions: Contribution[] }>();

  add({ channel, ...item }: AnalyticsBucket, counter: string, once: CountedOnce): void {
    const key = `${item.type}\n${itemKey(item)}`;
    const entry = this.items.get(key) ?? { item, contributions: [] };
    entry.contributions.push({ counter: `${channel}:${counter}`, ...once });
    this.items.set(key, entry);
  }

  entries(): Array<{ item: AnalyticsItem; contributions: Contribution[] }> {
    return [...this.items.values()];
  }
}

/** What a write adds: the counts left after `countedThrough`, and the range of positions among them (none when every count is once by row). */
export interface UncountedDeltas {
  counters: Counters;
  positions?: { first: string; through: string };
}

/** The contributions an item that counted through `countedThrough` (nothing yet, when undefined) still lacks; undefined when none. */
export function uncounted(contributions: readonly Contribution[], countedThrough?: string): UncountedDeltas | undefined {
  const left = contributions.filter((contribution) => "onceByRow" in contribution || countedThrough === undefined || contribution.position > countedThrough);
  if (left.length === 0) return undefined;
  const counters: Counters = {};
  for (const { counter } of left) counters[counter] = (counters[counter] ?? 0) + 1;
  const positions = left.flatMap((contribution) => ("position" in contribution ? [contribution.position] : [])).sort();
  return { counters, ...(positions.length ? { positions: { first: positions[0]!, through: positions.at(-1)! } } : {}) };
}
