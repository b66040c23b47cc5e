import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { DeliveryEvent } from "#shared/delivery-event.ts";
import type { AcceptedNotification } from "#shared/notification-request.ts";

const ENGAGEMENT: ReadonlySet<string> = new Set(["delivered", "opened", "clicked"]);

/** The row that says a notification was accepted; it sorts apart from the per-delivery rows. */
const HEADER_KEY = "#notification";

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
  acceptedAt: string;
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
   * Applies one event; an event older than the row's last update is stale and leaves it alone, so a
   * replayed or reordered batch cannot move a status backwards in time.
   */
  async apply(event: DeliveryEvent): Promise<"applied" | "stale"> {
    // Engagement (opened, clicked, delivered) says what the user did, not another send attempt.
    const attempts = ENGAGEMENT.has(event.status) ? "" : ", attempts = :attempt";
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { notificationId: event.notificationId, deliveryKey: `${event.userId}#${event.channel}` },
          UpdateExpression: `SET userId = :userId, channel = :channel, #status = :status, reason = :reason${attempts}, updatedAt = :at, lastEventId = :eventId`,
          ConditionExpression: "attribute_not_exists(updatedAt) OR updatedAt <= :at",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: {
            ":userId": event.userId,
            ":channel": event.channel,
            ":status": event.status,
            ":reason": event.reason ?? null,
            ...(attempts ? { ":attempt": event.attempt } : {}),
            ":at": event.at,
            ":eventId": event.eventId,
          },
        }),
      );
      return "applied";
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return "stale";
      throw error;
    }
  }

  async get(notificationId: string): Promise<NotificationView | undefined> {
    const items: Record<string, unknown>[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: "notificationId = :id",
          ExpressionAttributeValues: { ":id": notificationId },
          ExclusiveStartKey: startKey,
          ConsistentRead: true,
        }),
      );
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey);

    const header = items.find((item) => item.deliveryKey === HEADER_KEY);
    if (!header) return undefined;
    return {
      notificationId,
      type: header.type as string,
      acceptedAt: header.acceptedAt as string,
      recipients: header.recipients as number,
      channels: header.channels as string[],
      deliveries: items
        .filter((item) => item.deliveryKey !== HEADER_KEY)
        .map((item) => ({
          userId: item.userId as string,
          channel: item.channel as string,
          status: item.status as string,
          ...(item.reason ? { reason: item.reason as string } : {}),
          attempts: item.attempts as number,
          updatedAt: item.updatedAt as string,
        })),
    };
  }
}
