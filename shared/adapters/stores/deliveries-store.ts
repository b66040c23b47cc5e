import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { deliveryEvent, type DeliveryEvent, type DeliveryStatus } from "#shared/domain/delivery-event.ts";
import { allOf, changesTo, deliveryRowKey, firstReached, foldEvents, historyOf, isEmpty, reasonOf, type DeliveryRowIdentity, type HistoryEntry, type StoredRow } from "#shared/domain/delivery-row.ts";
import { AUDIENCE_SHARDS } from "#shared/domain/audience.ts";
import { cancelProgressOf, NOT_STARTED, progressOf, type BroadcastMessage, type CancelProgress, type ExpansionCheckpoint, type ExpansionProgress } from "#shared/domain/broadcast-expansion.ts";
import type { AcceptedBroadcast, AcceptedNotification } from "#shared/domain/notification-request.ts";
import { CHECKPOINT_PREFIX, checkpointOf } from "./expansion-checkpoints.ts";
import { BroadcastSummaries } from "./broadcast-summaries.ts";
import type { BroadcastSummary } from "#shared/domain/broadcast-summary.ts";
import { MAX_BROADCAST_ROW_SHARDS, broadcastRowPartition, rowShardsFor } from "#shared/domain/broadcast-rows.ts";
import { RequestError } from "#shared/domain/request-error.ts";
import { inChunks } from "#shared/lib/in-chunks.ts";
import { rowChangesUpdate, updateCommandInput } from "./delivery-row-update.ts";

/** The row that says a notification was accepted; it sorts apart from the per-delivery rows. */
export const HEADER_KEY = "#notification";
/** Where a broadcast accepted before summaries were kept per stream shard has its one summary item. */
const LEGACY_SUMMARY_KEY = "#summary";
/** Earlier versions kept a delivery's history as items of their own, sorting after every row. */
const LEGACY_HISTORY_PREFIX = "~event#";

/**
 * Every delivery row's key starts with its userId, whose first character sorts after '#'; the header
 * and the expansion checkpoints start with '#'. Keys below this bound are a notification's own items.
 */
export const ROWS_FROM = "#~";
/** Rows written at once when a scheduled notification's deliveries are recorded (at most 400). */
const CONCURRENT_ROW_WRITES = 25;
/** Deliveries per page of a broadcast's view: a million would not fit in one response. */
export const BROADCAST_DELIVERIES_PAGE_SIZE = 500;
/** Row shards a page of a broadcast's view reads at once, at most: a small broadcast's page reads every shard in a few round trips. */
const MAX_PARALLEL_SHARD_READS = 128;

/** Where the next page of a broadcast's deliveries starts: a row shard, and the last delivery key read in it. */
export interface DeliveriesCursor {
  shard: number;
  after?: string;
}

/** Opaque to callers. */
export function encodeDeliveriesCursor(cursor: DeliveriesCursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString("base64url");
}

/** The place a cursor continues from; undefined for a cursor this store did not write. */
export function decodeDeliveriesCursor(text: string): DeliveriesCursor | undefined {
  try {
    const { shard, after } = JSON.parse(Buffer.from(text, "base64url").toString("utf8")) as { shard?: unknown; after?: unknown };
    if (!Number.isInteger(shard) || (shard as number) < 0 || (shard as number) >= MAX_BROADCAST_ROW_SHARDS) return undefined;
    if (after !== undefined && typeof after !== "string") return undefined;
    return { shard: shard as number, ...(after === undefined ? {} : { after }) };
  } catch {
    return undefined;
  }
}

/** By user, channel, then time; eventId breaks ties so the order never depends on arrival. */
function chronologically(a: DeliveryEvent, b: DeliveryEvent): number {
  return a.userId.localeCompare(b.userId) || a.channel.localeCompare(b.channel) || a.at.localeCompare(b.at) || a.eventId.localeCompare(b.eventId);
}

/** What applying a delivery's events did, and what the row said before. */
export interface AppliedEvents {
  /** "applied" when the status changed. */
  outcome: "applied" | "stale";
  /** The statuses the row reached for the first time, each with its earliest event. */
  reached: HistoryEntry[];
  /** The version and variant the delivery rendered, as its worker recorded them on the row. */
  templateVersion?: number;
  variant?: string;
}

export interface DeliveryView {
  userId: string;
  channel: string;
  status: string;
  reason?: string;
  /** The A/B variant it rendered, when its template version has variants. */
  variant?: string;
  attempts: number;
  updatedAt: string;
}

export interface NotificationView {
  notificationId: string;
  type: string;
  /** When ingest accepted it; absent for a notification published straight to the topic. */
  acceptedAt?: string;
  /** When it was scheduled to go, for one accepted with sendAt. */
  sendAt?: string;
  /** When DELETE /v1/notifications/{id} was first called for it. */
  canceledAt?: string;
  /** The version of its template that was active when it was accepted, which it renders with. */
  templateVersion?: number;
  recipients: number;
  channels: string[];
  /** On a broadcast: the audience it went to and how far its expansion has come. */
  audience?: string;
  expansion?: ExpansionProgress;
  /** On a scheduled broadcast: when the sweeper started its expansion. */
  releasedAt?: string;
  /** On a canceled broadcast: how far its cancel has come, and what it took back. */
  cancel?: CancelProgress;
  /** On a broadcast: its deliveries per channel and status, kept as they change. */
  summary?: BroadcastSummary;
  deliveries: DeliveryView[];
  /** On a broadcast whose deliveries go on past this page: pass it back as `?cursor=`. */
  nextCursor?: string;
}

/** What a broadcast's header says; the same on every publish of its notificationId. */
export interface AcceptedBroadcastView {
  notificationId: string;
  audience: string;
  recipients: number;
  channels: string[];
  /** When a scheduled broadcast expands; its members are read then. */
  sendAt?: string;
}

/** Status per notification × user × channel, written from delivery events, read by GET /v1/notifications/{id}. */
export class DeliveriesStore {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly summaries: BroadcastSummaries;

  constructor(client: DynamoDBDocumentClient, tableName: string) {
    this.client = client;
    this.tableName = tableName;
    this.summaries = new BroadcastSummaries(client, tableName);
  }

  /** The header names the recipients too, so a cancel reaches deliveries whose messages are still queued. */
  /** Records the header; false when the notification was accepted before, whose header stands. */
  async recordAccepted(notification: AcceptedNotification, acceptedAt: string): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            notificationId: notification.notificationId,
            deliveryKey: HEADER_KEY,
            type: notification.type,
            recipients: notification.userIds.length,
            userIds: notification.userIds,
            channels: notification.channels,
            templateVersion: notification.templateVersion,
            acceptedAt,
            ...(notification.sendAt === undefined ? {} : { sendAt: notification.sendAt }),
          },
          ConditionExpression: "attribute_not_exists(notificationId)",
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** Whether the notification was accepted before: a repeated publish of a scheduled one changes nothing. */
  async isAccepted(notificationId: string): Promise<boolean> {
    return (await this.row({ notificationId, deliveryKey: HEADER_KEY })) !== undefined;
  }

  async isCanceled(notificationId: string): Promise<boolean> {
    return (await this.row({ notificationId, deliveryKey: HEADER_KEY }))?.canceledAt !== undefined;
  }

  /**
   * Each delivery of a notification accepted with sendAt starts as `scheduled`. The same write as
   * an event's, so it never overwrites a delivery that has moved on (a cancel outranks it).
   */
  async recordScheduled(notification: AcceptedNotification, acceptedAt: string): Promise<void> {
    const events = notification.userIds.flatMap((userId) =>
      notification.channels.map((channel) => deliveryEvent({ notificationId: notification.notificationId, userId, channel, type: notification.type, status: "scheduled", reason: notification.sendAt, attempt: 1 }, new Date(acceptedAt))),
    );
    await inChunks(events, CONCURRENT_ROW_WRITES, (event) => this.applyAll([event]));
  }

  /**
   * Records a broadcast with what every recipient's message shares and the members it had when
   * accepted. The first acceptance stands: publishing the same notificationId again answers with it.
   */
  async recordBroadcastAccepted(broadcast: AcceptedBroadcast, members: number, acceptedAt: string): Promise<AcceptedBroadcastView> {
    const { audience, sendAt, ...shared } = broadcast;
    // A scheduled broadcast's spread is settled again when it is released, with the members it has then.
    const message: BroadcastMessage = { version: 1, ...shared, audience, rowShards: rowShardsFor(members, broadcast.channels.length), publishedAt: acceptedAt };
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { notificationId: broadcast.notificationId, deliveryKey: HEADER_KEY, type: broadcast.type, audience, recipients: members, channels: broadcast.channels, acceptedAt, message, ...(sendAt === undefined ? {} : { sendAt }) },
          ConditionExpression: "attribute_not_exists(notificationId)",
        }),
      );
      return { notificationId: broadcast.notificationId, audience, recipients: members, channels: broadcast.channels, ...(sendAt === undefined ? {} : { sendAt }) };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
    const header = await this.row({ notificationId: broadcast.notificationId, deliveryKey: HEADER_KEY });
    if (header?.audience === undefined) {
      throw new RequestError("invalid_request", `notificationId ${broadcast.notificationId} was already used for a notification to named recipients`, [{ path: "notificationId", message: "already used" }]);
    }
    return {
      notificationId: broadcast.notificationId,
      audience: header.audience as string,
      recipients: header.recipients as number,
      channels: header.channels as string[],
      ...(typeof header.sendAt === "string" ? { sendAt: header.sendAt } : {}),
    };
  }

  /**
   * A scheduled broadcast goes out now: its recipients' messages say they were published at the
   * release (the inbox orders by it), and GET shows when it was released.
   */
  async recordBroadcastReleased(notificationId: string, members: number, releasedAt: string): Promise<void> {
    const header = await this.row({ notificationId, deliveryKey: HEADER_KEY });
    const message = header?.message as BroadcastMessage | undefined;
    if (!message) throw new Error(`broadcast ${notificationId} has no header to release`);
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { notificationId, deliveryKey: HEADER_KEY },
        // A release run again after a crash keeps the first one's spread: rows may already be on it.
        UpdateExpression: "SET message.publishedAt = if_not_exists(releasedAt, :releasedAt), message.rowShards = if_not_exists(releasedRowShards, :rowShards), releasedRowShards = if_not_exists(releasedRowShards, :rowShards), releasedAt = if_not_exists(releasedAt, :releasedAt)",
        ExpressionAttributeValues: { ":releasedAt": releasedAt, ":rowShards": rowShardsFor(members, message.channels.length) },
      }),
    );
  }

  /** The message a broadcast's recipients share, as its header keeps it. */
  async broadcastOf(notificationId: string): Promise<BroadcastMessage | undefined> {
    return (await this.row({ notificationId, deliveryKey: HEADER_KEY }))?.message as BroadcastMessage | undefined;
  }

  /** Applies one event; see applyAll. */
  async apply(event: DeliveryEvent): Promise<"applied" | "stale"> {
    return (await this.applyAll([event])).outcome;
  }

  /**
   * Applies one delivery's events (at least one, all of the same notification, user and channel) in
   * one conditional write: each kept in the history, the highest attempt counted, and the one that
   * outranks the rest made the status (see delivery-precedence.ts). Idempotent, and independent of
   * order: a replayed or reordered batch leaves the same row. "applied" when the status changed.
   *
   * The write assumes what is true of nearly every batch: its events are new and the newest outranks
   * what the row holds. When the row says otherwise, the table returns it and a second write makes
   * exactly the changes it lacks, if any.
   */
  async applyAll(events: readonly DeliveryEvent[]): Promise<AppliedEvents> {
    const key = deliveryRowKey(events[0]!);
    const folded = foldEvents(events);
    let row: StoredRow | undefined;
    const result = (outcome: "applied" | "stale", before: StoredRow | undefined, reached: HistoryEntry[]): AppliedEvents => ({
      outcome,
      reached,
      ...(typeof before?.templateVersion === "number" ? { templateVersion: before.templateVersion } : {}),
      ...(typeof before?.variant === "string" ? { variant: before.variant } : {}),
    });
    try {
      // The row as it was comes back at no cost: whether the delivery belongs to a broadcast, which
      // version and variant it rendered, and which statuses it had reached.
      const { Attributes } = await this.client.send(new UpdateCommand({ ...updateCommandInput(this.tableName, key, rowChangesUpdate(allOf(folded), "unseen")), ReturnValues: "ALL_OLD" }));
      return result("applied", Attributes as StoredRow | undefined, firstReached(Attributes as StoredRow | undefined, folded.history));
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      row = error.Item ? (unmarshall(error.Item) as StoredRow) : await this.row(key);
    }
    // A replayed batch or the worker's completion of a claim raced this write; merge again.
    for (let tries = 1; ; tries++) {
      const changes = changesTo(row, folded);
      if (isEmpty(changes)) return result("stale", row, []);
      try {
        await this.client.send(new UpdateCommand(updateCommandInput(this.tableName, key, rowChangesUpdate(changes, { precedence: row?.precedence }))));
        return result(changes.precedence === undefined ? "stale" : "applied", row, firstReached(row, changes.history));
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException) || tries >= 3) throw error;
        row = error.Item ? (unmarshall(error.Item) as StoredRow) : await this.row(key);
      }
    }
  }

  private async row(key: Record<string, string>): Promise<StoredRow | undefined> {
    return (await this.client.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }))).Item as StoredRow | undefined;
  }

  async statusOf(delivery: DeliveryRowIdentity): Promise<DeliveryStatus | undefined> {
    const result = await this.client.send(new GetCommand({ TableName: this.tableName, Key: deliveryRowKey(delivery), ConsistentRead: true }));
    return result.Item?.status as DeliveryStatus | undefined;
  }

  /** Every event of a notification, per user and channel in the order they happened. */
  async timeline(notificationId: string): Promise<DeliveryEvent[]> {
    const { items } = await this.query(notificationId);
    const events = items.flatMap((item) => {
      if (item.deliveryKey === HEADER_KEY) return [];
      // Written before a row kept its own history: one item per event.
      if (String(item.deliveryKey).startsWith(LEGACY_HISTORY_PREFIX)) return [item.event as DeliveryEvent];
      return historyOf(notificationId, item);
    });
    // An event replayed across the upgrade is in both places; keep its earliest occurrence once.
    const earliest = new Map<string, DeliveryEvent>();
    for (const event of events) if (!earliest.has(event.eventId) || earliest.get(event.eventId)!.at > event.at) earliest.set(event.eventId, event);
    return [...earliest.values()].sort(chronologically);
  }

  /**
   * A notification as GET shows it. A direct one lists every delivery; a broadcast lists one page of
   * them (from `cursor`, see decodeDeliveriesCursor), its expansion and its summary, and never reads
   * the rest of its rows.
   */
  async get(notificationId: string, cursor?: DeliveriesCursor): Promise<NotificationView | undefined> {
    const own = await this.query(notificationId, { below: ROWS_FROM });
    const header = own.items.find((item) => item.deliveryKey === HEADER_KEY);
    if (header?.audience !== undefined) return this.broadcastView(notificationId, header, own.items, cursor ?? { shard: 0 });
    const after = await this.query(notificationId, { after: ROWS_FROM });
    // A row whose claim a worker holds before any outcome has no status yet: no delivery to show.
    const rows = after.items.filter((item) => !String(item.deliveryKey).startsWith(LEGACY_HISTORY_PREFIX) && item.status !== undefined);
    if (!header && rows.length === 0) return undefined;
    // Published straight to the topic (NotifyClient), a notification has no header; its rows say enough.
    return {
      notificationId,
      type: (header?.type ?? rows[0]!.type ?? "unknown") as string,
      ...(header ? { acceptedAt: header.acceptedAt as string } : {}),
      ...(header?.sendAt ? { sendAt: header.sendAt as string } : {}),
      ...(header?.templateVersion ? { templateVersion: header.templateVersion as number } : {}),
      ...(header?.canceledAt ? { canceledAt: header.canceledAt as string } : {}),
      recipients: (header?.recipients as number | undefined) ?? new Set(rows.map((row) => row.userId)).size,
      channels: (header?.channels as string[] | undefined) ?? [...new Set(rows.map((row) => row.channel as string))].sort(),
      deliveries: rows.map(deliveryViewOf),
    };
  }

  /** A broadcast as GET shows it but for its deliveries: its header, expansion, cancel and summary, whatever its size. */
  async broadcastOverview(notificationId: string): Promise<Omit<NotificationView, "deliveries" | "nextCursor"> | undefined> {
    const own = await this.query(notificationId, { below: ROWS_FROM });
    const header = own.items.find((item) => item.deliveryKey === HEADER_KEY);
    return header?.audience === undefined ? undefined : this.overviewOf(notificationId, header, own.items);
  }

  private async overviewOf(notificationId: string, header: Record<string, unknown>, own: Record<string, unknown>[]): Promise<Omit<NotificationView, "deliveries" | "nextCursor">> {
    const legacySummary = own.filter((item) => item.deliveryKey === LEGACY_SUMMARY_KEY);
    return {
      notificationId,
      type: header.type as string,
      acceptedAt: header.acceptedAt as string,
      ...(header.sendAt ? { sendAt: header.sendAt as string } : {}),
      ...(header.releasedAt ? { releasedAt: header.releasedAt as string } : {}),
      ...(header.canceledAt ? { canceledAt: header.canceledAt as string } : {}),
      recipients: header.recipients as number,
      channels: header.channels as string[],
      audience: header.audience as string,
      ...broadcastProgressOf(header, own),
      summary: await this.summaries.summary(notificationId, legacySummary),
    };
  }

  private async broadcastView(notificationId: string, header: Record<string, unknown>, own: Record<string, unknown>[], cursor: DeliveriesCursor): Promise<NotificationView> {
    // A broadcast accepted before rows were spread has none: its rows and summary item sit beside its header.
    const rowShards = (header.message as Partial<BroadcastMessage> | undefined)?.rowShards;
    const [overview, page] = await Promise.all([
      this.overviewOf(notificationId, header, own),
      rowShards === undefined ? this.legacyBroadcastRows(notificationId, cursor) : this.broadcastRows(notificationId, rowShards, cursor),
    ]);
    return {
      ...overview,
      deliveries: page.rows.filter((item) => item.status !== undefined).map(deliveryViewOf),
      ...(page.next ? { nextCursor: encodeDeliveriesCursor(page.next) } : {}),
    };
  }

  /**
   * One page of a broadcast's rows, shard after shard from the cursor: full unless it is the last.
   * A big broadcast's page is one query; shards that turn out sparse are read in parallel runs that
   * double, so a small broadcast's page takes a few round trips, and since the rows are spread evenly,
   * a run reads little more than the page still needs.
   */
  private async broadcastRows(notificationId: string, rowShards: number, cursor: DeliveriesCursor): Promise<{ rows: Record<string, unknown>[]; next?: DeliveriesCursor }> {
    const rows: Record<string, unknown>[] = [];
    if (cursor.shard >= rowShards) return { rows };
    let place: DeliveriesCursor = cursor;
    for (let run = 1; ; run = Math.min(run * 2, MAX_PARALLEL_SHARD_READS)) {
      const shards = Array.from({ length: Math.min(run, rowShards - place.shard) }, (_, index) => place.shard + index);
      const limit = BROADCAST_DELIVERIES_PAGE_SIZE - rows.length;
      const found = await Promise.all(shards.map((shard, index) => this.query(broadcastRowPartition(notificationId, shard), { ...(index === 0 && place.after !== undefined ? { after: place.after } : {}), limit })));
      for (const [index, { items, more }] of found.entries()) {
        const room = BROADCAST_DELIVERIES_PAGE_SIZE - rows.length;
        rows.push(...items.slice(0, room));
        // The page filled inside this shard: the next one continues after its last row taken.
        if (more || items.length > room) return { rows, next: { shard: shards[index]!, after: rows.at(-1)!.deliveryKey as string } };
        if (rows.length === BROADCAST_DELIVERIES_PAGE_SIZE) return shards[index]! + 1 === rowShards ? { rows } : { rows, next: { shard: shards[index]! + 1 } };
      }
      if (shards.at(-1)! + 1 === rowShards) return { rows };
      place = { shard: shards.at(-1)! + 1 };
    }
  }

  /** A page of the rows of a broadcast accepted before rows were spread: under its notificationId, after its own items. */
  private async legacyBroadcastRows(notificationId: string, cursor: DeliveriesCursor): Promise<{ rows: Record<string, unknown>[]; next?: DeliveriesCursor }> {
    const page = await this.query(notificationId, { after: cursor.after ?? ROWS_FROM, limit: BROADCAST_DELIVERIES_PAGE_SIZE });
    const last = page.items.at(-1);
    return { rows: page.items, ...(page.more && last ? { next: { shard: 0, after: last.deliveryKey as string } } : {}) };
  }

  /** Every item of a notification: its header and rows. */
  async items(notificationId: string): Promise<Record<string, unknown>[]> {
    return (await this.query(notificationId)).items;
  }

  /** A notification's items, all of them or those below or after a key, up to `limit` (`more` when the table has further items). */
  private async query(notificationId: string, range: { below?: string; after?: string; limit?: number } = {}): Promise<{ items: Record<string, unknown>[]; more: boolean }> {
    const items: Record<string, unknown>[] = [];
    let startKey: Record<string, unknown> | undefined;
    const bound = range.below !== undefined ? { condition: " AND deliveryKey < :bound", value: range.below } : range.after !== undefined ? { condition: " AND deliveryKey > :bound", value: range.after } : undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: `notificationId = :id${bound?.condition ?? ""}`,
          ExpressionAttributeValues: { ":id": notificationId, ...(bound ? { ":bound": bound.value } : {}) },
          ExclusiveStartKey: startKey,
          ConsistentRead: true,
          ...(range.limit === undefined ? {} : { Limit: range.limit - items.length }),
        }),
      );
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey && (range.limit === undefined || items.length < range.limit));
    return { items, more: startKey !== undefined };
  }
}

/** A broadcast's expansion, and its cancel once DELETE was called for it. */
export interface BroadcastProgress {
  expansion: ExpansionProgress;
  cancel?: CancelProgress;
}

function broadcastProgressOf(header: Record<string, unknown>, own: Record<string, unknown>[]): BroadcastProgress {
  const found = own.filter((item) => String(item.deliveryKey).startsWith(CHECKPOINT_PREFIX)).map(checkpointOf);
  const checkpoints = [...found, ...Array<ExpansionCheckpoint>(AUDIENCE_SHARDS - found.length).fill(NOT_STARTED)];
  const expansion = progressOf(checkpoints, header.recipients as number);
  // Scheduled and not yet released: nothing expands before its sendAt.
  const scheduled = header.sendAt !== undefined && header.releasedAt === undefined && expansion.status === "expanding";
  return {
    expansion: scheduled ? { ...expansion, status: "scheduled" } : expansion,
    ...(header.canceledAt ? { cancel: cancelProgressOf(checkpoints) } : {}),
  };
}

function deliveryViewOf(item: Record<string, unknown>): DeliveryView {
  const reason = reasonOf(item);
  return {
    userId: item.userId as string,
    channel: item.channel as string,
    status: item.status as string,
    ...(reason === undefined ? {} : { reason }),
    ...(typeof item.variant === "string" ? { variant: item.variant } : {}),
    // A delivery known only from what happened after its send (events out of order) has no attempt recorded yet.
    attempts: (item.attempts as number | undefined) ?? 0,
    updatedAt: item.updatedAt as string,
  };
}
