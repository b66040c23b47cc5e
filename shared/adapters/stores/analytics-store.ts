import { QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { itemKey, parseItemKey, type AnalyticsItem, type Counters } from "#shared/domain/engagement-analytics.ts";
import { inChunks } from "#shared/lib/in-chunks.ts";

/** Item updates in flight at once. */
const CONCURRENT_UPDATES = 8;

/**
 * Engagement counters in their own table: a type's items (day, version, variant; every channel's
 * counters in each) under the type, so a date range is one Query and reading never touches the
 * deliveries. Each write adds a batch's counts to one item.
 */
export class AnalyticsStore {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;

  constructor(client: DynamoDBDocumentClient, tableName: string) {
    this.client = client;
    this.tableName = tableName;
  }

  /** One UpdateItem ADD per item. */
  async add(entries: ReadonlyArray<{ item: AnalyticsItem; counters: Counters }>): Promise<void> {
    await inChunks([...entries], CONCURRENT_UPDATES, async ({ item, counters }) => {
      const names = Object.keys(counters);
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { type: item.type, bucket: itemKey(item) },
          UpdateExpression: `ADD ${names.map((_, index) => `#c${index} :c${index}`).join(", ")}`,
          ExpressionAttributeNames: Object.fromEntries(names.map((name, index) => [`#c${index}`, name])),
          ExpressionAttributeValues: Object.fromEntries(names.map((name, index) => [`:c${index}`, counters[name]])),
        }),
      );
    });
  }

  /** Every item of the type from `fromDay` to `toDay` (inclusive, YYYY-MM-DD). */
  async items(type: string, fromDay: string, toDay: string): Promise<Array<{ item: AnalyticsItem; counters: Counters }>> {
    const found: Array<{ item: AnalyticsItem; counters: Counters }> = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: "#type = :type AND #bucket BETWEEN :from AND :to",
          ExpressionAttributeNames: { "#type": "type", "#bucket": "bucket" },
          // "~" sorts after every version number, so the last day is taken whole.
          ExpressionAttributeValues: { ":type": type, ":from": fromDay, ":to": `${toDay}#~` },
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) {
        const { type: _type, bucket, ...counters } = item;
        found.push({ item: parseItemKey(type, bucket as string), counters: counters as Counters });
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return found;
  }
}
