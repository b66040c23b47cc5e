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

/** The summary as the API shows it, from the summary item's attributes; counts of zero are left out. */
export function summaryOf(item: Record<string, unknown> | undefined): BroadcastSummary {
  const summary: BroadcastSummary = {};
  for (const channel of CHANNELS) {
    for (const status of DELIVERY_STATUSES) {
      const count = Number(item?.[countAttribute(channel, status)] ?? 0);
      if (count > 0) (summary[channel] ??= {})[status] = count;
    }
  }
  return summary;
}
