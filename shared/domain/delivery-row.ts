import { renderingOf, type DeliveryEvent, type DeliveryStatus, type Rendering } from "./delivery-event.ts";
import { broadcastRowPartition, broadcastRowShardOf } from "./broadcast-rows.ts";
import { isAttemptOutcome, precedence } from "./delivery-precedence.ts";

/**
 * A delivery's row in the deliveries table holds its status, the highest attempt seen and its
 * history, one attribute per eventId, so a batch of events costs one write instead of three per event.
 */
export const HISTORY_ATTRIBUTE_PREFIX = "event#";

/** What the history keeps of an event; the row's keys and the attribute name give back the rest. */
export interface HistoryEntry extends Rendering {
  type: string;
  status: DeliveryStatus;
  at: string;
  attempt: number;
  reason?: string;
  provider?: string;
  providerMessageId?: string;
}

/** The status fields of a row: those of the event with the greatest precedence. */
export interface RowStatus {
  userId: string;
  channel: string;
  type: string;
  /** The version and variant the delivery rendered with, from the event that holds the status. */
  templateVersion?: number;
  variant?: string;
  status: DeliveryStatus;
  reason: string | null;
  updatedAt: string;
  lastEventId: string;
  precedence: string;
}

/** What a set of events says about a delivery, whatever order they came in. */
export interface FoldedEvents {
  winner: RowStatus;
  /** The highest attempt among attempt outcomes; undefined when there were none. */
  attempts?: number;
  /** The earliest occurrence of each eventId. */
  history: Record<string, HistoryEntry>;
}

export type StoredRow = Record<string, unknown> & { precedence?: string; attempts?: number };

/**
 * The reason a row reports. A digested delivery's is the window that carries it: the release that
 * took the row wrote `digestedInto`, which outranks the window named by a later join (a redelivery
 * that reached the next window while its own was being released joins that one in vain).
 */
export function reasonOf(row: Record<string, unknown>): string | undefined {
  if (row.status === "digested" && typeof row.digestedInto === "string") return row.digestedInto;
  return typeof row.reason === "string" && row.reason !== "" ? row.reason : undefined;
}

/** What names a delivery's row: a broadcast's (`rowShards` set) lives on one of its row shards. */
export interface DeliveryRowIdentity {
  notificationId: string;
  userId: string;
  channel: string;
  rowShards?: number;
}

/** The deliveries table's key of a delivery's row. */
export function deliveryRowKey({ notificationId, userId, channel, rowShards }: DeliveryRowIdentity): { notificationId: string; deliveryKey: string } {
  const partition = rowShards === undefined ? notificationId : broadcastRowPartition(notificationId, broadcastRowShardOf(userId, rowShards));
  return { notificationId: partition, deliveryKey: `${userId}#${channel}` };
}

export function historyAttribute(eventId: string): string {
  return `${HISTORY_ATTRIBUTE_PREFIX}${eventId}`;
}

function statusOf(event: DeliveryEvent): RowStatus {
  return {
    userId: event.userId,
    channel: event.channel,
    type: event.type,
    ...(event.templateVersion === undefined ? {} : { templateVersion: event.templateVersion }),
    ...(event.variant === undefined ? {} : { variant: event.variant }),
    status: event.status,
    reason: event.reason ?? null,
    updatedAt: event.at,
    lastEventId: event.eventId,
    precedence: precedence(event),
  };
}

function entryOf(event: DeliveryEvent): HistoryEntry {
  return {
    type: event.type,
    status: event.status,
    at: event.at,
    attempt: event.attempt,
    ...(event.reason !== undefined ? { reason: event.reason } : {}),
    ...(event.provider !== undefined ? { provider: event.provider } : {}),
    ...(event.providerMessageId !== undefined ? { providerMessageId: event.providerMessageId } : {}),
    ...renderingOf(event),
  };
}

/** One delivery's events (at least one) folded: the winning status, the highest attempt, the earliest of each event. */
export function foldEvents(events: readonly DeliveryEvent[]): FoldedEvents {
  let winner = statusOf(events[0]!);
  let attempts: number | undefined;
  const history: Record<string, HistoryEntry> = {};
  for (const event of events) {
    const candidate = statusOf(event);
    if (candidate.precedence > winner.precedence) winner = candidate;
    if (isAttemptOutcome(event.status)) attempts = Math.max(attempts ?? 0, event.attempt);
    const earlier = history[event.eventId];
    if (!earlier || earlier.at > event.at) history[event.eventId] = entryOf(event);
  }
  return { winner, ...(attempts !== undefined ? { attempts } : {}), history };
}

/** Status fields, attempts and history entries to write to a row. */
export type RowChanges = Partial<RowStatus> & { attempts?: number; history: Record<string, HistoryEntry> };

/** Everything the folded events say, for a write that expects the row to have seen none of them. */
export function allOf(folded: FoldedEvents): RowChanges {
  return { ...folded.winner, ...(folded.attempts !== undefined ? { attempts: folded.attempts } : {}), history: folded.history };
}

/** True when the changes would write nothing. */
export function isEmpty(changes: RowChanges): boolean {
  return changes.precedence === undefined && changes.attempts === undefined && Object.keys(changes.history).length === 0;
}

/** What must change in a stored row for it to hold the folded events too; empty when nothing does. */
export function changesTo(row: StoredRow | undefined, folded: FoldedEvents): RowChanges {
  const history: Record<string, HistoryEntry> = {};
  for (const [eventId, entry] of Object.entries(folded.history)) {
    const stored = row?.[historyAttribute(eventId)] as HistoryEntry | undefined;
    if (!stored || stored.at > entry.at) history[eventId] = entry;
  }
  const outranks = row?.precedence === undefined || row.precedence < folded.winner.precedence;
  const higherAttempt = folded.attempts !== undefined && (row?.attempts === undefined || row.attempts < folded.attempts);
  return { ...(outranks ? folded.winner : {}), ...(higherAttempt ? { attempts: folded.attempts } : {}), history };
}

/**
 * The history entries that take the row to a status for the first time, the earliest of each: what
 * engagement counts, so a duplicate event (another attempt, a replay) counts nothing again.
 */
export function firstReached(row: StoredRow | undefined, added: Record<string, HistoryEntry>): HistoryEntry[] {
  const seen = new Set(
    Object.entries(row ?? {})
      .filter(([name]) => name.startsWith(HISTORY_ATTRIBUTE_PREFIX))
      .map(([, entry]) => (entry as HistoryEntry).status),
  );
  const first = new Map<DeliveryStatus, HistoryEntry>();
  for (const entry of Object.values(added)) {
    if (seen.has(entry.status)) continue;
    const earlier = first.get(entry.status);
    if (!earlier || earlier.at > entry.at) first.set(entry.status, entry);
  }
  return [...first.values()];
}

/** The events a row's history holds, as they were put on the stream. */
export function historyOf(notificationId: string, row: Record<string, unknown>): DeliveryEvent[] {
  return Object.entries(row)
    .filter(([name]) => name.startsWith(HISTORY_ATTRIBUTE_PREFIX))
    .map(([name, value]) => {
      const { type, status, at, attempt, reason, provider, providerMessageId, templateVersion, variant } = value as HistoryEntry;
      return {
        version: 2 as const,
        eventId: name.slice(HISTORY_ATTRIBUTE_PREFIX.length),
        notificationId,
        type,
        userId: row.userId as string,
        channel: row.channel as DeliveryEvent["channel"],
        status,
        ...(reason !== undefined ? { reason } : {}),
        attempt,
        ...(provider !== undefined ? { provider } : {}),
        ...(providerMessageId !== undefined ? { providerMessageId } : {}),
        ...renderingOf({ templateVersion, variant }),
        at,
      };
    });
}
