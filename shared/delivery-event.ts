import { createHash } from "node:crypto";
import { z } from "zod";
import { CHANNELS } from "./channels.ts";

export const DELIVERY_STATUSES = [
  "sent",
  "delivered",
  "opened",
  "clicked",
  "deferred",
  "suppressed",
  "failed",
  "bounced",
  "complained",
  "dead_lettered",
] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** One outcome on the delivery-events stream; partition key userId keeps a user's events in order. */
export const deliveryEventSchema = z.object({
  version: z.literal(1),
  eventId: z.string(),
  notificationId: z.string(),
  userId: z.string(),
  channel: z.enum(CHANNELS),
  status: z.enum(DELIVERY_STATUSES),
  reason: z.string().optional(),
  attempt: z.number().int().min(1),
  provider: z.string().optional(),
  providerMessageId: z.string().optional(),
  at: z.string(),
});
export type DeliveryEvent = z.infer<typeof deliveryEventSchema>;

export type DeliveryOutcome = Omit<DeliveryEvent, "version" | "eventId" | "at">;

/** The same outcome of the same attempt always gets the same eventId, so replays are recognisable. */
export function deliveryEvent(outcome: DeliveryOutcome, at: Date): DeliveryEvent {
  const eventId = createHash("sha256")
    .update([outcome.notificationId, outcome.userId, outcome.channel, outcome.status, outcome.attempt].join("\n"))
    .digest("hex")
    .slice(0, 32);
  return { version: 1, eventId, ...outcome, at: at.toISOString() };
}
