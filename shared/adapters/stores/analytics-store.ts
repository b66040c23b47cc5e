import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { itemKey, parseItemKey, type AnalyticsItem, type Counters } from "#shared/domain/engagement-analytics.ts";
import { uncounted, type Contribution } from "#shared/domain/stream-counter-deltas.ts";
import { inChunks } from "#shared/lib/in-chunks.ts";

/** Item updates in flight at once. */
const CONCURRENT_UPDATES = 8;
/** An item's attribute naming the last position on a shard whose counts it holds. */
const MARK_PREFIX = "countedThrough@";
/** Writes that may land on one item between a read of its mark and the next try; one shard has one batch in flight. */
const MAX_MARK_TRIES = 3;

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

  /**
   * Counts from the stream, each item's at most once: an item records the last position on the
   * shard it counted through, and a write adds only what came after it. The first write assumes
   * nothing of the batch was counted (so costs what `add` does); when the item's mark says
   * otherwise, the table returns it and a second write adds the rest, if any.
   */
  async addFromStream(shard: string, entries: ReadonlyArray<{ item: AnalyticsItem; contributions: readonly Contribution[] }>): Promise<void> {
    const mark = `${MARK_PREFIX}${shard}`;
    await inChunks([...entries], CONCURRENT_UPDATES, async ({ item, contributions }) => {
      let countedThrough: string | undefined;
      for (let tries = 1; ; tries++) {
        const counts = uncounted(contributions, countedThrough);
        if (!counts) return;
        const names = Object.keys(counts.counters);
        const adds = `ADD ${names.map((_, index) => `#c${index} :c${index}`).join(", ")}`;
        const counters = Object.fromEntries(names.map((name, index) => [`:c${index}`, counts.counters[name]]));
        const counterNames = Object.fromEntries(names.map((name, index) => [`#c${index}`, name]));
        const key = { type: item.type, bucket: itemKey(item) };
        if (!counts.positions) {
          await this.client.send(new UpdateCommand({ TableName: this.tableName, Key: key, UpdateExpression: adds, ExpressionAttributeNames: counterNames, ExpressionAttributeValues: counters }));
          return;
        }
        try {
          await this.client.send(
            new UpdateCommand({
              TableName: this.tableName,
              Key: key,
              UpdateExpression: `SET #mark = :through ${adds}`,
              ConditionExpression: countedThrough === undefined ? "attribute_not_exists(#mark) OR #mark < :first" : "#mark = :countedThrough",
              ExpressionAttributeNames: { "#mark": mark, ...counterNames },
              ExpressionAttributeValues: {
                ":through": counts.positions.through,
                ...(countedThrough === undefined ? { ":first": counts.positions.first } : { ":countedThrough": countedThrough }),
                ...counters,
              },
              ReturnValuesOnConditionCheckFailure: "ALL_OLD",
            }),
          );
          return;
        } catch (error) {
          if (!(error instanceof ConditionalCheckFailedException) || tries >= MAX_MARK_TRIES) throw error;
          const stored = error.Item ? unmarshall(error.Item) : undefined;
          if (typeof stored?.[mark] !== "string") throw error;
          countedThrough = stored[mark];
        }
      }
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
        const { type: _type, bucket, ...attributes } = item;
        const counters = Object.fromEntries(Object.entries(attributes).filter(([name]) => !name.startsWith(MARK_PREFIX)));
        found.push({ item: parseItemKey(type, bucket as string), counters: counters as Counters });
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return found;
  }
}
