import type { DeliveryEvent } from "#shared/domain/delivery-event.ts";
import { DeliveriesStore } from "#shared/adapters/stores/deliveries-store.ts";
import type { Target } from "../target.ts";

export interface Trace {
  notificationId: string;
  /** Per user and channel, every event in the order it happened. */
  deliveries: Array<{ userId: string; channel: string; events: Array<Pick<DeliveryEvent, "at" | "status" | "reason" | "attempt" | "provider" | "providerMessageId">> }>;
}

export async function trace(target: Target, notificationId: string): Promise<Trace> {
  const events = await new DeliveriesStore(target.documents, target.outputs.DeliveriesTableName!).timeline(notificationId);
  const byDelivery = new Map<string, Trace["deliveries"][number]>();
  for (const event of events) {
    const key = `${event.userId}#${event.channel}`;
    if (!byDelivery.has(key)) byDelivery.set(key, { userId: event.userId, channel: event.channel, events: [] });
    const { at, status, reason, attempt, provider, providerMessageId } = event;
    byDelivery.get(key)!.events.push({ at, status, attempt, ...(reason ? { reason } : {}), ...(provider ? { provider } : {}), ...(providerMessageId ? { providerMessageId } : {}) });
  }
  return { notificationId, deliveries: [...byDelivery.values()] };
}

export function formatTrace(result: Trace): string {
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
