import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient, type UpdateCommandInput } from "@aws-sdk/lib-dynamodb";
import type { DeliveryEvent, DeliveryStatus } from "#shared/delivery-event.ts";
import { isAttemptOutcome, precedence } from "#shared/delivery-precedence.ts";
import type { AcceptedNotification } from "#shared/notification-request.ts";

/** The row that says a notification was accepted; it sorts apart from the per-delivery rows. */
const HEADER_KEY = "#notification";
/** History items sort after every row ('~' follows every character a user id may hold); one per eventId. */
const HISTORY_PREFIX = "~event#";

function historyItem(event: DeliveryEvent): Record<string, unknown> {
  return { notificationId: event.notificationId, deliveryKey: `${HISTORY_PREFIX}${event.userId}#${event.channel}#${event.eventId}`, event };
}

/** By user, channel, then time; eventId breaks ties so the order never depends on arrival. */
function chronologically(a: DeliveryEvent, b: DeliveryEvent): number {
  return a.userId.localeCompare(b.userId) || a.channel.localeCompare(b.channel) || a.at.localeCompare(b.at) || a.eventId.localeCompare(b.eventId);
}

export interface DeliveryView {
  userId: string;
  channel: string;
  status: string;
  reason?: string;
  attempts: number;
  updatedAt: string;
}

export interface NotificationView {
  notificationId: string;
  type: string;
  /** When ingest accepted it; absent for a notification published straight to the topic. */
  acceptedAt?: string;
  recipients: number;
  channels: string[];
  deliveries: DeliveryView[];
}

/** Status per notification × user × channel, written from delivery events, read by GET /v1/notifications/{id}. */
export class DeliveriesStore {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;

  constructor(client: DynamoDBDocumentClient, tableName: string) {
    this.client = client;
    this.tableName = tableName;
  }

  async recordAccepted(notification: AcceptedNotification, acceptedAt: string): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          notificationId: notification.notificationId,
          deliveryKey: HEADER_KEY,
          type: notification.type,
          recipients: notification.userIds.length,
          channels: notification.channels,
          acceptedAt,
        },
      }),
    );
  }

  /**
   * Applies one event: keeps it in the delivery's history, and makes it the delivery's status if it
   * outranks the current one (see delivery-precedence.ts). Idempotent, and independent of order: a
   * replayed or reordered batch leaves the same rows.
   */
  async apply(event: DeliveryEvent): Promise<"applied" | "stale"> {
    const key = { notificationId: event.notificationId, deliveryKey: `${event.userId}#${event.channel}` };
    await this.recordInHistory(event);
    const attemptOutcome = isAttemptOutcome(event.status);
    // The status goes first, so no reader ever sees a row without one; an attempt outcome also
    // starts the attempts count if the row is new.
    const applied = await this.conditionally({
      Key: key,
      UpdateExpression: `SET userId = :userId, channel = :channel, #type = :type, #status = :status, reason = :reason, updatedAt = :at, lastEventId = :eventId, #precedence = :precedence${attemptOutcome ? ", attempts = if_not_exists(attempts, :attempt)" : ""}`,
      ConditionExpression: "attribute_not_exists(#precedence) OR #precedence <= :precedence",
      ExpressionAttributeNames: { "#status": "status", "#type": "type", "#precedence": "precedence" },
      ExpressionAttributeValues: {
        ":userId": event.userId,
        ":channel": event.channel,
        ":type": event.type,
        ":status": event.status,
        ":reason": event.reason ?? null,
        ":at": event.at,
        ":eventId": event.eventId,
        ":precedence": precedence(event),
        ...(attemptOutcome ? { ":attempt": event.attempt } : {}),
      },
    });
    // Attempts is the highest attempt seen, whichever event ends up as the status.
    if (attemptOutcome) await this.conditionally({ Key: key, UpdateExpression: "SET attempts = :attempt", ConditionExpression: "attribute_not_exists(attempts) OR attempts < :attempt", ExpressionAttributeValues: { ":attempt": event.attempt } });
    return applied;
  }

  /**
   * One history item per eventId, holding its earliest occurrence: a worker that finds a delivery
   * already done sends its event again later, with the same eventId, in case the first never left.
   */
  private async recordInHistory(event: DeliveryEvent): Promise<void> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: historyItem(event),
          ConditionExpression: "attribute_not_exists(deliveryKey) OR #event.#at > :at",
          ExpressionAttributeNames: { "#event": "event", "#at": "at" },
          ExpressionAttributeValues: { ":at": event.at },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  private async conditionally(update: Omit<UpdateCommandInput, "TableName">): Promise<"applied" | "stale"> {
    try {
      await this.client.send(new UpdateCommand({ TableName: this.tableName, ...update }));
      return "applied";
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return "stale";
      throw error;
    }
  }

  async statusOf(notificationId: string, userId: string, channel: string): Promise<DeliveryStatus | undefined> {
    const result = await this.client.send(new GetCommand({ TableName: this.tableName, Key: { notificationId, deliveryKey: `${userId}#${channel}` }, ConsistentRead: true }));
    return result.Item?.status as DeliveryStatus | undefined;
  }

  /** Every event of a notification, per user and channel in the order they happened. */
  async timeline(notificationId: string): Promise<DeliveryEvent[]> {
    const items = await this.queryAll(notificationId, "begins_with(deliveryKey, :prefix)");
    return items.map((item) => item.event as DeliveryEvent).sort(chronologically);
  }

  async get(notificationId: string): Promise<NotificationView | undefined> {
    const items = await this.queryAll(notificationId, "deliveryKey < :prefix");
    const header = items.find((item) => item.deliveryKey === HEADER_KEY);
    const rows = items.filter((item) => item.deliveryKey !== HEADER_KEY);
    if (!header && rows.length === 0) return undefined;
    // Published straight to the topic (NotifyClient), a notification has no header; its rows say enough.
    return {
      notificationId,
      type: (header?.type ?? rows[0]!.type ?? "unknown") as string,
      ...(header ? { acceptedAt: header.acceptedAt as string } : {}),
      recipients: (header?.recipients as number | undefined) ?? new Set(rows.map((row) => row.userId)).size,
      channels: (header?.channels as string[] | undefined) ?? [...new Set(rows.map((row) => row.channel as string))].sort(),
      deliveries: rows
        .map((item) => ({
          userId: item.userId as string,
          channel: item.channel as string,
          status: item.status as string,
          ...(item.reason ? { reason: item.reason as string } : {}),
          // A delivery known only from what happened after its send (events out of order) has no attempt recorded yet.
          attempts: (item.attempts as number | undefined) ?? 0,
          updatedAt: item.updatedAt as string,
        })),
    };
  }

  /** All items of a notification on one side of the history prefix. */
  private async queryAll(notificationId: string, deliveryKeyCondition: string): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: `notificationId = :id AND ${deliveryKeyCondition}`,
          ExpressionAttributeValues: { ":id": notificationId, ":prefix": HISTORY_PREFIX },
          ExclusiveStartKey: startKey,
          ConsistentRead: true,
        }),
      );
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return items;
  }
}
