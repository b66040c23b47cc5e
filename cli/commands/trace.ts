import type { DeliveryEvent } from "#shared/domain/delivery-event.ts";
import type { ExpansionProgress } from "#shared/domain/broadcast-expansion.ts";
import type { BroadcastSummary } from "#shared/domain/broadcast-summary.ts";
import { DeliveriesStore } from "#shared/adapters/stores/deliveries-store.ts";
import type { Target } from "../target.ts";

export interface DirectTrace {
  notificationId: string;
  /** Per user and channel, every event in the order it happened. */
  deliveries: Array<{ userId: string; channel: string; events: Array<Pick<DeliveryEvent, "at" | "status" | "reason" | "attempt" | "provider" | "providerMessageId">> }>;
}

/** A broadcast's trace: how far it expanded and its deliveries counted, not a line per recipient. */
export interface BroadcastTrace {
  notificationId: string;
  audience: string;
  recipients: number;
  expansion: ExpansionProgress;
  /** Per channel, deliveries per status, as the broadcast's summary keeps them. */
  summary: BroadcastSummary;
}

export type Trace = DirectTrace | BroadcastTrace;

export async function trace(target: Target, notificationId: string): Promise<Trace> {
  const store = new DeliveriesStore(target.documents, target.outputs.DeliveriesTableName!);
  const view = await store.get(notificationId);
  if (view?.audience !== undefined) {
    return { notificationId, audience: view.audience, recipients: view.recipients, expansion: view.expansion!, summary: view.summary! };
  }
  const events = await store.timeline(notificationId);
  const byDelivery = new Map<string, DirectTrace["deliveries"][number]>();
  for (const event of events) {
    const key = `${event.userId}#${event.channel}`;
    if (!byDelivery.has(key)) byDelivery.set(key, { userId: event.userId, channel: event.channel, events: [] });
    const { at, status, reason, attempt, provider, providerMessageId } = event;
    byDelivery.get(key)!.events.push({ at, status, attempt, ...(reason ? { reason } : {}), ...(provider ? { provider } : {}), ...(providerMessageId ? { providerMessageId } : {}) });
  }
  return { notificationId, deliveries: [...byDelivery.values()] };
}

export function formatTrace(result: Trace): string {
  if ("audience" in result) {
    const { expansion } = result;
    return [
      `broadcast ${result.notificationId} to audience ${result.audience} (${result.recipients} members at acceptance)`,
      `expansion ${expansion.status}: ${expansion.expanded} of ${expansion.total} published`,
      ...Object.entries(result.summary)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([channel, byStatus]) => `  ${channel.padEnd(7)} ${Object.entries(byStatus!).sort(([a], [b]) => a.localeCompare(b)).map(([status, count]) => `${status} ${count}`).join(", ")}`),
    ].join("\n");
  }
  if (result.deliveries.length === 0) return `no delivery events for ${result.notificationId}`;
  const lines = [`notification ${result.notificationId}`];
  for (const delivery of result.deliveries) {
    lines.push("", `${delivery.userId} / ${delivery.channel}`);
    for (const event of delivery.events) {
      lines.push(`  ${event.at}  ${event.status.padEnd(13)} attempt ${event.attempt}${event.provider ? `  ${event.provider}` : ""}${event.reason ? `  ${event.reason}` : ""}`);
    }
  }
  return lines.join("\n");
}
