import { createHash } from "node:crypto";
import { z } from "zod";
import { MAX_BROADCAST_ROW_SHARDS } from "./broadcast-rows.ts";
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
  "scheduled",
  "digested",
  "canceled",
] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export const DELIVERY_EVENT_VERSION = 2;

const fields = {
  eventId: z.string().regex(/^[0-9a-f]{32}$/),
  notificationId: z.string().min(1),
  userId: z.string().min(1),
  channel: z.enum(CHANNELS),
  status: z.enum(DELIVERY_STATUSES),
  reason: z.string().optional(),
  attempt: z.number().int().min(1),
  provider: z.string().optional(),
  providerMessageId: z.string().optional(),
  at: z.iso.datetime(),
  /** On a broadcast's delivery, as its worker knows it: the events function counts it in the broadcast's summary. */
  audience: z.string().min(1).optional(),
  /** On a broadcast's delivery: how many partition keys its rows are spread over (see broadcast-rows.ts), which every report names. */
  rowShards: z.number().int().min(1).max(MAX_BROADCAST_ROW_SHARDS).optional(),
  /** The template version the delivery rendered with (accepted with), when its worker knows it. */
  templateVersion: z.number().int().min(1).optional(),
  /** The A/B variant the recipient was assigned, when the version has variants. */
  variant: z.string().min(1).optional(),
  /** Written to the delivery's row with the claim's completion already: the events function skips it. */
  recordedInRow: z.literal(true).optional(),
};

/**
 * One outcome on the delivery-events stream, partition key userId so a user's events stay in order.
 * Version 2 adds `type`, the notification's template type.
 */
const versionTwo = z.object({ version: z.literal(2), type: z.string().min(1), ...fields });

/** Version 1 (no `type`) may still be on the stream for its 24 h retention after an upgrade. */
const versionOne = z.object({ version: z.literal(1), ...fields }).transform((event) => ({ ...event, version: 2 as const, type: "unknown" }));

export const deliveryEventSchema = z.union([versionTwo, versionOne]);
export type DeliveryEvent = z.infer<typeof versionTwo>;

export type DeliveryOutcome = Omit<DeliveryEvent, "version" | "eventId" | "at" | "recordedInRow">;

/** What a delivery rendered with, carried through its provider so reports about it (receipts, opens) name it too. */
export type Rendering = Pick<DeliveryEvent, "templateVersion" | "variant">;

/** The rendering fields that are set, to spread into an event or a record. */
export function renderingOf(source: Rendering): Rendering {
  return { ...(source.templateVersion === undefined ? {} : { templateVersion: source.templateVersion }), ...(source.variant === undefined ? {} : { variant: source.variant }) };
}

/** Where a broadcast's delivery has its row: every report about it carries this, so it finds the row's shard. */
export function placementOf(source: { rowShards?: number }): { rowShards?: number } {
  return source.rowShards === undefined ? {} : { rowShards: source.rowShards };
}

/** notificationId#userId#channel: the delivery an event belongs to. */
export function deliveryKey(event: { notificationId: string; userId: string; channel: string }): string {
  return `${event.notificationId}#${event.userId}#${event.channel}`;
}

/**
 * The same outcome of the same attempt always gets the same eventId, so a replayed event is the
 * same event; outcomes that differ only in their reason (the record written before a last attempt,
 * and that attempt's failure) are different events.
 */
export function deliveryEvent(outcome: DeliveryOutcome, at: Date): DeliveryEvent {
  const eventId = createHash("sha256")
    .update([outcome.notificationId, outcome.userId, outcome.channel, outcome.status, outcome.attempt, outcome.reason ?? ""].join("\n"))
    .digest("hex")
    .slice(0, 32);
  return { version: DELIVERY_EVENT_VERSION, eventId, ...outcome, at: at.toISOString() };
}
