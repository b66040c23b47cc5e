import { ScanCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { OutboxEntry, RecordingSink } from "./recording-sink.ts";

export interface OutboxFilter {
  notificationId?: string | null;
  channel?: string | null;
  userId?: string | null;
}

/**
 * What was sent: the recording sink's entries for the outside providers, and for in_app the items
 * the worker put in the (emulated) inbox table, which is the in-app channel's real destination.
 */
export class LocalOutbox {
  private readonly sink: RecordingSink;
  private readonly documents: DynamoDBDocumentClient;
  private readonly inboxTableName: string | undefined;

  constructor(sink: RecordingSink, documents: DynamoDBDocumentClient, inboxTableName: string | undefined) {
    this.sink = sink;
    this.documents = documents;
    this.inboxTableName = inboxTableName;
  }

  async list(filter: OutboxFilter): Promise<OutboxEntry[]> {
    const entries = this.sink.list(filter);
    if (this.inboxTableName && (!filter.channel || filter.channel === "in_app")) entries.push(...(await this.inboxEntries(filter)));
    return entries.sort((a, b) => a.at.localeCompare(b.at));
  }

  private async inboxEntries(filter: OutboxFilter): Promise<OutboxEntry[]> {
    const conditions: string[] = [];
    const values: Record<string, string> = {};
    if (filter.notificationId) {
      conditions.push("notificationId = :notificationId");
      values[":notificationId"] = filter.notificationId;
    }
    if (filter.userId) {
      conditions.push("userId = :userId");
      values[":userId"] = filter.userId;
    }
    const entries: OutboxEntry[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.documents.send(
        new ScanCommand({
          TableName: this.inboxTableName,
          ...(conditions.length ? { FilterExpression: conditions.join(" AND "), ExpressionAttributeValues: values } : {}),
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) {
        entries.push({
          notificationId: item.notificationId,
          userId: item.userId,
          channel: "in_app",
          type: item.type ?? "unknown",
          to: item.userId,
          subject: item.title,
          body: item.body,
          attempt: item.attempt,
          providerMessageId: item.itemId,
          at: item.createdAt,
        });
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return entries;
  }
}
