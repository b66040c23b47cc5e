import { CHANNELS, type Channel } from "./channels.ts";
import { DELIVERY_STATUSES, type DeliveryStatus } from "./delivery-event.ts";

/** Per channel, how many of a broadcast's deliveries are in each status now. */
export type BroadcastSummary = Partial<Record<Channel, Partial<Record<DeliveryStatus, number>>>>;

/** A delivery row's status moved from what the summary counted it as (nothing, the first time) to `to`. */
export interface StatusChange {
  channel: Channel;
  from?: DeliveryStatus;
  to: DeliveryStatus;
}

const ATTRIBUTE_PREFIX = "count#";

/** The summary item's attribute for one channel and status. */
export function countAttribute(channel: Channel, status: DeliveryStatus): string {
  return `${ATTRIBUTE_PREFIX}${channel}#${status}`;
}

/** What a batch of changes adds to each count: +1 to where a delivery is now, -1 to where it was. */
export function countDeltas(changes: readonly StatusChange[]): Map<string, number> {
  const deltas = new Map<string, number>();
  const add = (attribute: string, by: number) => deltas.set(attribute, (deltas.get(attribute) ?? 0) + by);
  for (const { channel, from, to } of changes) {
    if (from === to) continue;
    add(countAttribute(channel, to), 1);
    if (from !== undefined) add(countAttribute(channel, from), -1);
  }
  for (const [attribute, delta] of deltas) if (delta === 0) deltas.delete(attribute);
  return deltas;
}

/** The summary as the API shows it, the counts of every summary item added up; counts of zero are left out. */
export function summaryOf(items: ReadonlyArray<Record<string, unknown>>): BroadcastSummary {
  const summary: BroadcastSummary = {};
  for (const channel of CHANNELS) {
    for (const status of DELIVERY_STATUSES) {
      const count = items.reduce((sum, item) => sum + Number(item[countAttribute(channel, status)] ?? 0), 0);
      if (count > 0) (summary[channel] ??= {})[status] = count;
    }
  }
  return summary;
}

/**
 * A change a row handed over, stamped with the batch that took it. `taken: "now"` is a change this
 * batch took from its row; `"before"` is the last change a row handed over, found again because it
 * had nothing new: an earlier attempt at this stream's records took it, and may have died before
 * adding it to the summary.
 */
export interface TakenChange extends StatusChange {
  taken: "now" | "before";
  /** The stream shard and stamp of the batch that took it (see summaryStamp). */
  shard: string;
  stamp: string;
}

/**
 * The stamp a batch gives the changes it takes, and the summary item's mark once it adds them: its
 * last record's position, or just past the mark when the batch replays records the summary counted
 * through already ('+' sorts below every digit, so the stamp is above the mark and below any later
 * position). Every stamp is above the mark the batch found, so a change found again was added
 * exactly when its stamp is at or below the item's mark.
 */
export function summaryStamp(lastPosition: string, countedThrough: string | undefined): string {
  return countedThrough === undefined || lastPosition > countedThrough ? lastPosition : `${countedThrough}+`;
}

/** The changes a batch adds to its shard's summary item: those it took, and those taken before that the item has not counted. */
export function uncountedChanges(changes: readonly TakenChange[], shard: string, countedThrough: string | undefined): TakenChange[] {
  return changes.filter((change) => change.taken === "now" || (change.shard === shard && (countedThrough === undefined || change.stamp > countedThrough)));
}
