import { setTimeout } from "node:timers/promises";
import { placementOf, renderingOf, type Rendering } from "#shared/domain/delivery-event.ts";
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { BatchGetCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { UNREAD_INDEX } from "#shared/domain/storage-names.ts";


export interface InboxItem extends Rendering {
  itemId: string;
  notificationId: string;
  /** The notification's template type. */
  type: string;
  title: string;
  body: string;
  read: boolean;
  archived: boolean;
  createdAt: string;
  readAt?: string;
  archivedAt?: string;
  /** On a broadcast's item: its row shards, which place its delivery's row. */
  rowShards?: number;
}

export interface NewInboxItem extends Rendering {
  userId: string;
  notificationId: string;
  type: string;
  title: string;
  body: string;
  /** When the notification was published: orders the inbox and makes the item id repeatable. */
  publishedAt: string;
  attempt: number;
  rowShards?: number;
}

export interface InboxPage {
  items: InboxItem[];
  nextCursor?: string;
}

/** Newest first when sorted descending; the same notification always gets the same id. URL-safe. */
export function inboxItemId(publishedAt: string, notificationId: string): string {
  return `${String(Date.parse(publishedAt)).padStart(13, "0")}-${notificationId}`;
}

/** BatchGetItem requests for one page's unread items before giving up on keys DynamoDB keeps returning unprocessed. */
const MAX_BATCH_GET_ATTEMPTS = 5;

/** Queries one page of a filtered list may take, so a request stays short however the inbox is made up. */
const MAX_LIST_QUERIES = 10;

function toItem(raw: Record<string, unknown>): InboxItem {
  return {
    itemId: raw.itemId as string,
    notificationId: raw.notificationId as string,
    // Items written before the type was kept have none.
    type: (raw.type as string | undefined) ?? "unknown",
    title: raw.title as string,
    body: raw.body as string,
    read: raw.read as boolean,
    archived: raw.archivedAt !== undefined,
    createdAt: raw.createdAt as string,
    ...(raw.readAt ? { readAt: raw.readAt as string } : {}),
    ...(raw.archivedAt ? { archivedAt: raw.archivedAt as string } : {}),
    ...renderingOf({ templateVersion: raw.templateVersion as number | undefined, variant: raw.variant as string | undefined }),
    ...placementOf({ rowShards: raw.rowShards as number | undefined }),
  };
}

/**
 * The in-app channel's inbox. Unread items that are not archived carry `unreadKey`, which a sparse
 * index lists, so the unread count reads only those however long the inbox grows.
 */
export class InboxStore {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;

  constructor(client: DynamoDBDocumentClient, tableName: string) {
    this.client = client;
    this.tableName = tableName;
  }

  /** Adds the item once; a redelivery finds it there and leaves its read state alone. */
  async add(item: NewInboxItem, createdAt: string): Promise<string> {
    const itemId = inboxItemId(item.publishedAt, item.notificationId);
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { userId: item.userId, itemId, unreadKey: itemId, notificationId: item.notificationId, type: item.type, ...renderingOf(item), ...placementOf(item), title: item.title, body: item.body, read: false, createdAt, attempt: item.attempt },
          ConditionExpression: "attribute_not_exists(itemId)",
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
    return itemId;
  }

  /**
   * Newest first, `limit` at a time, either the items in the inbox or the archived ones. The filter
   * is applied after DynamoDB reads, so it reads on (100 items a query, at most 10 queries) until the
   * page is full; a page cut short by that bound still carries the cursor to go on from.
   */
  async list(userId: string, limit: number, cursor?: string, archived = false): Promise<InboxPage> {
    const items: InboxItem[] = [];
    let startKey: Record<string, unknown> | undefined = cursor ? { userId, itemId: cursor } : undefined;
    let lastRead: string | undefined;
    for (let queries = 0; queries < MAX_LIST_QUERIES && items.length < limit; queries++) {
      const result = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: "userId = :userId",
          FilterExpression: archived ? "attribute_exists(archivedAt)" : "attribute_not_exists(archivedAt)",
          ExpressionAttributeValues: { ":userId": userId },
          ScanIndexForward: false,
          Limit: Math.max(limit, 100),
          ExclusiveStartKey: startKey,
        }),
      );
      items.push(...(result.Items ?? []).map(toItem));
      startKey = result.LastEvaluatedKey;
      lastRead = startKey?.itemId as string | undefined;
      if (!startKey) break;
    }
    if (items.length > limit) return { items: items.slice(0, limit), nextCursor: items[limit - 1]!.itemId };
    return startKey && lastRead ? { items, nextCursor: lastRead } : { items };
  }

  async unreadCount(userId: string): Promise<number> {
    let count = 0;
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: UNREAD_INDEX,
          KeyConditionExpression: "userId = :userId",
          ExpressionAttributeValues: { ":userId": userId },
          Select: "COUNT",
          ExclusiveStartKey: startKey,
        }),
      );
      count += page.Count ?? 0;
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return count;
  }

  /** One of the user's items (strongly consistent), or undefined when there is no such item. */
  async get(userId: string, itemId: string): Promise<InboxItem | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: { userId, itemId }, ConsistentRead: true }));
    return Item ? toItem(Item) : undefined;
  }

  /** Marks one item read; `firstRead` is false when it already was, and undefined means no such item. */
  async markRead(userId: string, itemId: string, readAt: string): Promise<{ item: InboxItem; firstRead: boolean } | undefined> {
    try {
      const result = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { userId, itemId },
          UpdateExpression: "SET #read = :true, readAt = :readAt REMOVE unreadKey",
          ConditionExpression: "attribute_exists(itemId) AND #read = :false",
          ExpressionAttributeNames: { "#read": "read" },
          ExpressionAttributeValues: { ":true": true, ":false": false, ":readAt": readAt },
          ReturnValues: "ALL_NEW",
        }),
      );
      return { item: toItem(result.Attributes!), firstRead: true };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
    const existing = await this.get(userId, itemId);
    return existing ? { item: existing, firstRead: false } : undefined;
  }

  /**
   * Marks unread items read, a page of at most 100 at a time and at most `maxItems` in all. Each
   * page's unread items are handed to `beforeMarking` (their `opened` events) before any is marked,
   * so a publish that fails leaves them unread for the retry, and a timeout loses no event of what
   * was already read. `more` says unread items remain.
   */
  async markAllRead(userId: string, readAt: string, beforeMarking: (unread: InboxItem[]) => Promise<void>, maxItems = 1000): Promise<{ read: number; more: boolean }> {
    let read = 0;
    let seen = 0;
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({ TableName: this.tableName, IndexName: UNREAD_INDEX, KeyConditionExpression: "userId = :userId", ExpressionAttributeValues: { ":userId": userId }, ExclusiveStartKey: startKey, Limit: 100 }),
      );
      const unread = (await this.items(userId, (page.Items ?? []).map((key) => key.itemId as string))).filter((item) => !item.read);
      await beforeMarking(unread);
      for (const item of unread) {
        if ((await this.markRead(userId, item.itemId, readAt))?.firstRead) read++;
      }
      seen += page.Items?.length ?? 0;
      startKey = page.LastEvaluatedKey;
    } while (startKey && seen < maxItems);
    return { read, more: startKey !== undefined };
  }

  /** The user's items by id (the unread index keeps only keys), in one BatchGetItem; ids with no item are left out. */
  private async items(userId: string, itemIds: readonly string[]): Promise<InboxItem[]> {
    const found: InboxItem[] = [];
    let keys: Record<string, unknown>[] = itemIds.map((itemId) => ({ userId, itemId }));
    for (let attempt = 1; keys.length > 0; attempt++) {
      const result = await this.client.send(new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: keys, ConsistentRead: true } } }));
      found.push(...(result.Responses?.[this.tableName] ?? []).map(toItem));
      keys = result.UnprocessedKeys?.[this.tableName]?.Keys ?? [];
      // Unprocessed keys come back when throttled: back off, then ask again for those alone.
      if (keys.length > 0 && attempt >= MAX_BATCH_GET_ATTEMPTS) throw new Error(`${keys.length} inbox items were still unprocessed after ${attempt} BatchGetItem attempts`);
      if (keys.length > 0) await setTimeout(50 * 2 ** attempt * Math.random());
    }
    return found.sort((a, b) => a.itemId.localeCompare(b.itemId));
  }

  /**
   * Moves the item out of the inbox into the archive (idempotent: the first archivedAt stays); it no
   * longer counts as unread, but is not read either. Undefined means no such item.
   */
  async archive(userId: string, itemId: string, archivedAt: string): Promise<InboxItem | undefined> {
    try {
      const result = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { userId, itemId },
          UpdateExpression: "SET archivedAt = if_not_exists(archivedAt, :archivedAt) REMOVE unreadKey",
          ConditionExpression: "attribute_exists(itemId)",
          ExpressionAttributeValues: { ":archivedAt": archivedAt },
          ReturnValues: "ALL_NEW",
        }),
      );
      return toItem(result.Attributes!);
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }
}
