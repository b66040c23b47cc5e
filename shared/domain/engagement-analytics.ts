import type { Channel } from "./channels.ts";
import type { DeliveryStatus } from "./delivery-event.ts";
import type { AcceptedNotification } from "./notification-request.ts";
import type { TemplateVariant } from "./templates/template-document.ts";
import { assignVariant } from "./templates/variant-assignment.ts";

/** Outcomes counted per template; suppressions are counted per reason. */
export const COUNTED_OUTCOMES = ["sent", "delivered", "opened", "clicked", "bounced", "complained", "failed", "suppressed"] as const satisfies readonly DeliveryStatus[];
export type CountedOutcome = (typeof COUNTED_OUTCOMES)[number];

/** What a delivery's outcome counts toward: its type's deliveries on a day, channel, template version and variant. */
export interface AnalyticsBucket {
  type: string;
  /** UTC, YYYY-MM-DD. */
  day: string;
  channel: Channel;
  version: number;
  /** "" when the version has no variants. */
  variant: string;
}

/**
 * One stored item: a type's counters for a day, version and variant, every channel's in it (named
 * `<channel>:<counter>`), so a batch of events about one template is one write whatever its channels.
 */
export type AnalyticsItem = Omit<AnalyticsBucket, "channel">;

/** Counters by name: `accepted`, each counted outcome, and `suppressed:<reason>`; in an item, each prefixed by its channel. */
export type Counters = Record<string, number>;

export const GROUP_BY = ["channel", "version", "variant", "day"] as const;
export type GroupBy = (typeof GROUP_BY)[number];

/** The sort key of an item within its type: day first, so a date range is one key range. */
export function itemKey({ day, version, variant }: Omit<AnalyticsItem, "type">): string {
  return [day, String(version).padStart(6, "0"), variant].join("#");
}

export function parseItemKey(type: string, key: string): AnalyticsItem {
  const [day, version, ...variant] = key.split("#");
  return { type, day: day!, version: Number(version), variant: variant.join("#") };
}

/** The counter an outcome moves, or undefined for a status analytics does not count. */
export function counterOf(status: DeliveryStatus, reason: string | undefined): string | undefined {
  if (status === "suppressed") return `suppressed:${reason ?? "unknown"}`;
  return (COUNTED_OUTCOMES as readonly string[]).includes(status) ? status : undefined;
}

/** Counter changes of one batch, one entry per item, so each item is written once. */
export class CounterDeltas {
  private readonly items = new Map<string, { item: AnalyticsItem; counters: Counters }>();

  add({ channel, ...item }: AnalyticsBucket, counter: string, amount = 1): void {
    const key = `${item.type}\n${itemKey(item)}`;
    const entry = this.items.get(key) ?? { item, counters: {} };
    const name = `${channel}:${counter}`;
    entry.counters[name] = (entry.counters[name] ?? 0) + amount;
    this.items.set(key, entry);
  }

  entries(): Array<{ item: AnalyticsItem; counters: Counters }> {
    return [...this.items.values()];
  }
}

/** An item's counters split back into one bucket per channel. */
export function bucketsOf({ item, counters }: { item: AnalyticsItem; counters: Counters }): Array<{ bucket: AnalyticsBucket; counters: Counters }> {
  const byChannel = new Map<Channel, Counters>();
  for (const [name, value] of Object.entries(counters)) {
    const separator = name.indexOf(":");
    if (separator < 0) continue;
    const channel = name.slice(0, separator) as Channel;
    const channelCounters = byChannel.get(channel) ?? {};
    channelCounters[name.slice(separator + 1)] = value;
    byChannel.set(channel, channelCounters);
  }
  return [...byChannel].map(([channel, channelCounters]) => ({ bucket: { ...item, channel }, counters: channelCounters }));
}

/** `accepted` for each of a notification's deliveries, in the variant its worker will assign. */
export function acceptedDeltas(notification: Pick<AcceptedNotification, "notificationId" | "type" | "userIds" | "channels" | "templateVersion">, variants: readonly TemplateVariant[] | undefined, acceptedAt: string): CounterDeltas {
  const deltas = new CounterDeltas();
  for (const userId of notification.userIds) {
    const variant = assignVariant(variants, notification.notificationId, userId) ?? "";
    for (const channel of notification.channels) deltas.add({ type: notification.type, day: acceptedAt.slice(0, 10), channel, version: notification.templateVersion, variant }, "accepted");
  }
  return deltas;
}

export interface AnalyticsRow {
  type: string;
  channel?: string;
  version?: number;
  variant?: string;
  day?: string;
  accepted: number;
  sent: number;
  delivered: number;
  opened: number;
  clicked: number;
  bounced: number;
  complained: number;
  failed: number;
  suppressed: Record<string, number>;
  /** delivered / sent, over the channels whose providers report delivery (not in_app); null when none was sent. */
  deliveryRate: number | null;
  /** opened / delivered for email, opened / sent elsewhere (in_app has no delivery receipt). */
  openRate: number | null;
  /** clicked on the same base as openRate. */
  clickRate: number | null;
}

const ratio = (part: number, whole: number) => (whole > 0 ? Math.round((part / whole) * 10_000) / 10_000 : null);

/** Items summed into rows by the asked dimensions (none: one row for the type), with rates from the counts. */
export function analyticsRows(items: ReadonlyArray<{ item: AnalyticsItem; counters: Counters }>, groupBy: readonly GroupBy[]): AnalyticsRow[] {
  const rows = new Map<string, { row: AnalyticsRow; deliveryBase: number; engagementBase: number }>();
  for (const { bucket, counters } of items.flatMap(bucketsOf)) {
    const dimensions = Object.fromEntries(groupBy.map((dimension) => [dimension, bucket[dimension]]));
    const key = JSON.stringify(dimensions);
    const entry = rows.get(key) ?? {
      row: { type: bucket.type, ...dimensions, accepted: 0, sent: 0, delivered: 0, opened: 0, clicked: 0, bounced: 0, complained: 0, failed: 0, suppressed: {}, deliveryRate: null, openRate: null, clickRate: null },
      deliveryBase: 0,
      engagementBase: 0,
    };
    for (const [counter, value] of Object.entries(counters)) {
      if (counter.startsWith("suppressed:")) {
        const reason = counter.slice("suppressed:".length);
        entry.row.suppressed[reason] = (entry.row.suppressed[reason] ?? 0) + value;
      } else if (counter in entry.row) {
        (entry.row as unknown as Record<string, number>)[counter]! += value;
      }
    }
    // An inbox item is there once it is written: in_app has no delivery to report, so no delivery rate.
    if (bucket.channel !== "in_app") entry.deliveryBase += counters.sent ?? 0;
    entry.engagementBase += bucket.channel === "email" ? (counters.delivered ?? 0) : (counters.sent ?? 0);
    rows.set(key, entry);
  }
  return [...rows.values()].map(({ row, deliveryBase, engagementBase }) => ({
    ...row,
    deliveryRate: ratio(row.delivered, deliveryBase),
    openRate: ratio(row.opened, engagementBase),
    clickRate: ratio(row.clicked, engagementBase),
  }));
}
