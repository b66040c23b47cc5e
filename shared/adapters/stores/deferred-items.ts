import { createHash } from "node:crypto";
import { BatchWriteCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { ChannelMessage } from "#shared/domain/channel-message.ts";
import type { Channel } from "#shared/domain/channels.ts";
import { deliveryKey, type DeliveryStatus } from "#shared/domain/delivery-event.ts";

/** Partitions the due-time index is spread over, so a night's backlog does not sit on one hot key. */
export const DEFERRED_SHARDS = 16;
const RETENTION_AFTER_DUE_SECONDS = 30 * 24 * 3600;
const DELETE_BATCH = 25;

/** An escalation's condition: it is dropped if the original delivery reached one of these statuses. */
export interface HoldCondition {
  channel: Channel;
  statuses: readonly DeliveryStatus[];
}

export interface DeferredItem {
  shard: string;
  dueKey: string;
  channel: Channel;
  dueAt: number;
  message: ChannelMessage;
  /** Present on an escalation; absent on a notification held for quiet hours. */
  unless?: HoldCondition;
}

function shardOf(message: ChannelMessage, channel: Channel): string {
  const digest = createHash("sha256").update(deliveryKey({ ...message, channel })).digest();
  return `shard#${String(digest.readUInt16BE(0) % DEFERRED_SHARDS).padStart(2, "0")}`;
}

export function allShards(): string[] {
  return Array.from({ length: DEFERRED_SHARDS }, (_, index) => `shard#${String(index).padStart(2, "0")}`);
}

/**
 * Notifications held for quiet hours, keyed by when they are due. Holding them here rather than in
 * SQS (by extending visibility) keeps a night's backlog off the queue's ~120k in-flight limit.
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

  /** Items in one shard due at or before `now`, oldest first. */
  async due(shard: string, now: number, limit: number): Promise<DeferredItem[]> {
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: "#shard = :shard AND dueKey <= :upTo",
        ExpressionAttributeNames: { "#shard": "shard" },
        ExpressionAttributeValues: { ":shard": shard, ":upTo": `${new Date(now).toISOString()}~` },
        Limit: limit,
        ConsistentRead: true,
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
      }
    }
  }
}
