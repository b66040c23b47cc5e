import { setTimeout as sleep } from "node:timers/promises";
import { createHash } from "node:crypto";
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { BatchWriteCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { ChannelMessage } from "#shared/domain/channel-message.ts";
import type { AcceptedNotification } from "#shared/domain/notification-request.ts";
import type { Channel } from "#shared/domain/channels.ts";
import type { DigestScope } from "#shared/domain/digest-window.ts";
import { deliveryKey, type DeliveryStatus } from "#shared/domain/delivery-event.ts";
import { AWS_LIMITS } from "../aws-limits.ts";

/** Partitions the due-time index is spread over, so a night's backlog does not sit on one hot key. */
export const DEFERRED_SHARDS = 16;
const RETENTION_AFTER_DUE_SECONDS = 30 * 24 * 3600;
const DELETE_BATCH = AWS_LIMITS.dynamodb.batchWriteItems;

/** An escalation's condition: it is dropped if the original delivery reached one of these statuses. */
export interface HoldCondition {
  channel: Channel;
  statuses: readonly DeliveryStatus[];
}

interface DueKeys {
  shard: string;
  dueKey: string;
  dueAt: number;
}

/** One delivery held for later: for quiet hours, or an escalation. Items written before kinds existed have none. */
export interface HeldDelivery extends DueKeys {
  kind?: "hold";
  channel: Channel;
  message: ChannelMessage;
  /** Present on an escalation; absent on a notification held for quiet hours. */
  unless?: HoldCondition;
}

/** A notification accepted with sendAt: published to every recipient when it is due. */
export interface ScheduledNotification extends DueKeys {
  kind: "schedule";
  notification: AcceptedNotification;
  acceptedAt: string;
}

/** A digest window's release, due when the window closes; the window itself lives in its scope's partition (digest-windows.ts). */
export interface DigestRelease extends DueKeys, Pick<ChannelMessage, "category" | "priority"> {
  kind: "digest";
  windowId: string;
  scope: DigestScope;
}

/** A broadcast accepted with sendAt: its expansion starts when it is due, with the audience's members as they are then. */
export interface ScheduledBroadcast extends DueKeys {
  kind: "broadcast";
  notificationId: string;
  audienceId: string;
}

export type DeferredItem = HeldDelivery | ScheduledNotification | DigestRelease | ScheduledBroadcast;

/** The sweeper's shard of an item keyed by `key`. */
export function shardFor(key: string): string {
  const digest = createHash("sha256").update(key).digest();
  return `shard#${String(digest.readUInt16BE(0) % DEFERRED_SHARDS).padStart(2, "0")}`;
}

function shardOf(message: ChannelMessage, channel: Channel): string {
  return shardFor(deliveryKey({ ...message, channel }));
}

export function allShards(): string[] {
  return Array.from({ length: DEFERRED_SHARDS }, (_, index) => `shard#${String(index).padStart(2, "0")}`);
}

/**
 * Deliveries held for quiet hours and escalations, and notifications and broadcasts scheduled with sendAt, keyed by
 * when they are due. Holding them here rather than in SQS (by extending visibility, or a delay of
 * at most 15 minutes) keeps a night's backlog off the queue's ~120k in-flight limit and lets a
 * schedule be a year ahead.
 */
export class DeferredItems {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;

  constructor(client: DynamoDBDocumentClient, tableName: string) {
    this.client = client;
    this.tableName = tableName;
  }

  /** Idempotent: the same (notification, user, channel) held twice for the same time is one item. */
  async hold(message: ChannelMessage, channel: Channel, dueAt: number, unless?: HoldCondition): Promise<void> {
    const item: DeferredItem & { expiresAt: number } = {
      ...(unless ? { unless } : {}),
      shard: shardOf(message, channel),
      dueKey: `${new Date(dueAt).toISOString()}#${deliveryKey({ ...message, channel })}`,
      channel,
      dueAt,
      message,
      expiresAt: Math.floor(dueAt / 1000) + RETENTION_AFTER_DUE_SECONDS,
    };
    await this.client.send(new PutCommand({ TableName: this.tableName, Item: item }));
  }

  /** Idempotent: publishing the same notificationId again writes the same item. */
  async schedule(notification: AcceptedNotification & { sendAt: string }, acceptedAt: string): Promise<void> {
    const dueAt = Date.parse(notification.sendAt);
    const item: ScheduledNotification & { expiresAt: number } = {
      kind: "schedule",
      shard: shardFor(notification.notificationId),
      dueKey: `${notification.sendAt}#schedule#${notification.notificationId}`,
      dueAt,
      notification,
      acceptedAt,
      expiresAt: Math.floor(dueAt / 1000) + RETENTION_AFTER_DUE_SECONDS,
    };
    await this.client.send(new PutCommand({ TableName: this.tableName, Item: item }));
  }

  /** Idempotent: publishing the same notificationId again writes the same item. */
  async scheduleBroadcast(notificationId: string, audienceId: string, sendAt: string): Promise<void> {
    const dueAt = Date.parse(sendAt);
    const item: ScheduledBroadcast & { expiresAt: number } = {
      kind: "broadcast",
      shard: shardFor(notificationId),
      dueKey: `${sendAt}#broadcast#${notificationId}`,
      dueAt,
      notificationId,
      audienceId,
      expiresAt: Math.floor(dueAt / 1000) + RETENTION_AFTER_DUE_SECONDS,
    };
    await this.client.send(new PutCommand({ TableName: this.tableName, Item: item }));
  }

  /**
   * Takes the item's release for `leaseMillis`: true for exactly one of sweeps that overlap (an
   * EventBridge retry, a run that overran), and again for the next sweep once a crashed release's
   * lease has run out.
   */
  async claimRelease(item: DeferredItem, now: number, leaseMillis: number): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { shard: item.shard, dueKey: item.dueKey },
          UpdateExpression: "SET releaseLeaseUntil = :until",
          ConditionExpression: "attribute_exists(dueKey) AND (attribute_not_exists(releaseLeaseUntil) OR releaseLeaseUntil < :now)",
          ExpressionAttributeValues: { ":until": now + leaseMillis, ":now": now },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** Items in one shard due at or before `now`, oldest first, after the due key `after` when given. */
  async due(shard: string, now: number, limit: number, after?: string): Promise<DeferredItem[]> {
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: "#shard = :shard AND dueKey <= :upTo",
        ExpressionAttributeNames: { "#shard": "shard" },
        ExpressionAttributeValues: { ":shard": shard, ":upTo": `${new Date(now).toISOString()}~` },
        Limit: limit,
        ConsistentRead: true,
        ...(after === undefined ? {} : { ExclusiveStartKey: { shard, dueKey: after } }),
      }),
    );
    return (result.Items ?? []) as DeferredItem[];
  }

  async remove(items: DeferredItem[]): Promise<void> {
    for (let start = 0; start < items.length; start += DELETE_BATCH) {
      let requests = items.slice(start, start + DELETE_BATCH).map((item) => ({ DeleteRequest: { Key: { shard: item.shard, dueKey: item.dueKey } } }));
      for (let attempt = 1; requests.length > 0; attempt++) {
        const result = await this.client.send(new BatchWriteCommand({ RequestItems: { [this.tableName]: requests } }));
        requests = (result.UnprocessedItems?.[this.tableName] ?? []) as typeof requests;
        if (requests.length > 0 && attempt >= 5) throw new Error(`${requests.length} released items could not be removed from ${this.tableName}`);
        // Unprocessed means a hot partition: the next second has its budget back.
        if (requests.length > 0) await sleep(100 * 2 ** attempt * Math.random());
      }
    }
  }
}
