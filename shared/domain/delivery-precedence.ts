import type { DeliveryEvent, DeliveryStatus } from "./delivery-event.ts";

/**
 * What the recipient did or the provider reported after a send outranks any send attempt, and
 * within those, later stages outrank earlier ones: a late `sent` never overwrites `opened`.
 * Attempt outcomes share a stage, where the newest wins (a redriven `sent` replaces `dead_lettered`).
 * `canceled` outranks everything: a delivery is canceled only where nothing was sent (its claim row
 * decides), so what a worker records after it (a deferral before it reaches the claim) is moot.
 */
const STAGE: Record<DeliveryStatus, number> = {
  scheduled: 1,
  digested: 1,
  deferred: 1,
  dead_lettered: 1,
  failed: 1,
  suppressed: 1,
  sent: 1,
  delivered: 2,
  opened: 3,
  clicked: 4,
  bounced: 5,
  complained: 6,
  canceled: 7,
};

/** Breaks a tie within a stage at the same millisecond: an outcome beats the record written before its attempt. */
const TIE_BREAK: Record<DeliveryStatus, number> = {
  scheduled: 0,
  deferred: 0,
  dead_lettered: 1,
  failed: 2,
  suppressed: 3,
  sent: 4,
  digested: 5,
  delivered: 0,
  opened: 0,
  clicked: 0,
  bounced: 0,
  complained: 0,
  canceled: 0,
};

/** Attempt outcomes count as attempts; what happens after a send does not. */
export function isAttemptOutcome(status: DeliveryStatus): boolean {
  return STAGE[status] === 1;
}

/**
 * A string whose order is the order in which events win: stage, then time, then tie-break, then
 * eventId. The deliveries table keeps the greatest, so applying any set of events, in any order and
 * any number of times, leaves the same row.
 */
export function precedence(event: Pick<DeliveryEvent, "status" | "at" | "eventId">): string {
  return `${STAGE[event.status]}|${new Date(event.at).toISOString()}|${TIE_BREAK[event.status]}|${event.eventId}`;
}
