import { renderingOf, type Rendering } from "#shared/domain/delivery-event.ts";
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
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
}

export interface InboxPage {
  items: InboxItem[];
  nextCursor?: string;
}

/** Newest first when sorted descending; the same notification always gets the same id. URL-safe. */
export function inboxItemId(publishedAt: string, notificationId: string): string {
  return `${String(Date.parse(publishedAt)).padStart(13, "0")}-${notificationId}`;
}

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
          Item: { userId: item.userId, itemId, unreadKey: itemId, notificationId: item.notificationId, type: item.type, ...renderingOf(item), title: item.title, body: item.body, read: false, createdAt, attempt: item.attempt },
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
    const page = await this.client.send(
      new QueryCommand({ TableName: this.tableName, KeyConditionExpression: "userId = :userId AND itemId = :itemId", ExpressionAttributeValues: { ":userId": userId, ":itemId": itemId } }),
    );
    const existing = page.Items?.[0];
    return existing ? { item: toItem(existing), firstRead: false } : undefined;
  }

  /**
   * Marks unread items read, a page of at most 100 at a time and at most `maxItems` in all, handing
   * each page's first reads to `onPage` (their `opened` events) before the next page is read, so a
   * timeout loses no event of what was already read. `more` says unread items remain.
   */
  async markAllRead(userId: string, readAt: string, onPage: (firstRead: InboxItem[]) => Promise<void>, maxItems = 1000): Promise<{ read: number; more: boolean }> {
    let read = 0;
    let seen = 0;
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({ TableName: this.tableName, IndexName: UNREAD_INDEX, KeyConditionExpression: "userId = :userId", ExpressionAttributeValues: { ":userId": userId }, ExclusiveStartKey: startKey, Limit: 100 }),
      );
      const firstRead: InboxItem[] = [];
      for (const unread of page.Items ?? []) {
        const result = await this.markRead(userId, unread.itemId as string, readAt);
        if (result?.firstRead) firstRead.push(result.item);
      }
      await onPage(firstRead);
      read += firstRead.length;
      seen += page.Items?.length ?? 0;
      startKey = page.LastEvaluatedKey;
    } while (startKey && seen < maxItems);
    return { read, more: startKey !== undefined };
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
