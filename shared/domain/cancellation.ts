import type { Channel } from "./channels.ts";
import type { DeliveryStatus } from "./delivery-event.ts";
import type { FollowUp } from "./follow-up-rule.ts";

/** What a cancel knows of the notification: its header (absent when it was published straight to the topic) and its rows. */
export interface CancelCase {
  header?: { userIds?: readonly string[]; channels: readonly Channel[] };
  rows: ReadonlyArray<{ userId: string; channel: Channel; status?: DeliveryStatus }>;
  followUps: readonly FollowUp[];
}

export interface CancelTarget {
  userId: string;
  channel: Channel;
}

/** An escalation is pending once its original was sent and until it reaches what stops it. */
const SENT_NOT_ANSWERED: readonly DeliveryStatus[] = ["sent", "delivered"];

/**
 * Every delivery a cancel must try to take back: each recipient on each channel (whether or not its
 * row exists yet: a message still queued has none), each delivery a row already records (follow-ups
 * included), and each escalation still pending after a sent original. Whether a target is still
 * cancelable is decided on its row, by one conditional write, so this list may over-reach safely.
 */
export function cancelTargets({ header, rows, followUps }: CancelCase): CancelTarget[] {
  const targets = new Map<string, CancelTarget>();
  const add = (userId: string, channel: Channel) => targets.set(`${userId}#${channel}`, { userId, channel });
  for (const userId of header?.userIds ?? []) for (const channel of header!.channels) add(userId, channel);
  for (const row of rows) add(row.userId, row.channel);
  for (const row of rows) {
    if (!row.status || !SENT_NOT_ANSWERED.includes(row.status)) continue;
    for (const rule of followUps) {
      if (rule.kind === "escalation" && rule.from === row.channel && !(header?.channels ?? []).includes(rule.to)) add(row.userId, rule.to);
    }
  }
  return [...targets.values()];
}
