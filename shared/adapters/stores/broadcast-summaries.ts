import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { GetCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { broadcastSummaryPartition } from "#shared/domain/broadcast-rows.ts";
import { countDeltas, summaryOf, uncountedChanges, type BroadcastSummary, type TakenChange } from "#shared/domain/broadcast-summary.ts";
import type { Channel } from "#shared/domain/channels.ts";
import type { DeliveryStatus } from "#shared/domain/delivery-event.ts";
import { deliveryRowKey, type DeliveryRowIdentity } from "#shared/domain/delivery-row.ts";

/** What a row holds in place of a status it was never counted as. */
const NOT_COUNTED = "none";

/**
 * A broadcast's counts per channel and status, kept as its deliveries change. Each delivery row
 * remembers the status the summary counts it as (`counted`), so a change is taken from the row once,
 * by a conditional write, however often its events replay. The counts live in one item per
 * delivery-events stream shard, which only the invocation reading that shard moves, and which keeps
 * the stamp of the last batch it added (see summaryStamp): a batch that took changes from rows and
 * died before adding them leaves them on the rows, stamped above the item's mark, and its replay
 * adds them. The summary is exact after any crash; it lags the rows by the batches in flight.
 */
export class BroadcastSummaries {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;

  constructor(client: DynamoDBDocumentClient, tableName: string) {
    this.client = client;
    this.tableName = tableName;
  }

  /** Where a shard's summary item has counted through; undefined before its first batch. */
  async countedThrough(notificationId: string, shard: string): Promise<string | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: this.itemKey(notificationId, shard), ProjectionExpression: "countedThrough", ConsistentRead: true }));
    return Item?.countedThrough as string | undefined;
  }

  /**
   * The row's change since the summary last counted it, taken and stamped; or, when the row has
   * nothing new, the change it handed over last (which the batch adds only if its stamp says the
   * summary never did). Undefined for a row with no status.
   */
  async takeChange(delivery: DeliveryRowIdentity & { channel: Channel }, shard: string, stamp: string): Promise<TakenChange | undefined> {
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: deliveryRowKey(delivery),
          UpdateExpression: "SET countedFrom = if_not_exists(counted, :none), counted = #status, countedBy = :by",
          ConditionExpression: "attribute_exists(#status) AND (attribute_not_exists(counted) OR counted <> #status)",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: { ":none": NOT_COUNTED, ":by": `${shard}|${stamp}` },
          ReturnValues: "ALL_OLD",
          ReturnValuesOnConditionCheckFailure: "ALL_OLD",
        }),
      );
      const from = Attributes?.counted as DeliveryStatus | undefined;
      return { channel: delivery.channel, ...(from === undefined ? {} : { from }), to: Attributes!.status as DeliveryStatus, taken: "now", shard, stamp };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const row = error.Item ? unmarshall(error.Item) : undefined;
      if (row?.status === undefined || typeof row.countedBy !== "string") return undefined;
      const [takenShard, takenStamp] = (row.countedBy as string).split("|") as [string, string];
      const from = row.countedFrom === NOT_COUNTED ? undefined : (row.countedFrom as DeliveryStatus | undefined);
      return { channel: delivery.channel, ...(from === undefined ? {} : { from }), to: row.counted as DeliveryStatus, taken: "before", shard: takenShard, stamp: takenStamp };
    }
  }

  /**
   * Adds what the summary has not counted of a batch's changes to the shard's item and moves its
   * mark to the batch's stamp, if the mark is still where the batch found it (one invocation reads
   * a shard at a time, so only a replay racing its own earlier attempt can find it moved: it throws
   * and the batch is retried).
   */
  async add(notificationId: string, shard: string, changes: readonly TakenChange[], found: string | undefined, stamp: string): Promise<void> {
    const uncounted = uncountedChanges(changes, shard, found);
    // Nothing taken and nothing left over: the mark need not move.
    if (uncounted.length === 0) return;
    const entries = [...countDeltas(uncounted)];
    const adds = entries.map((_, index) => `#a${index} :d${index}`);
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: this.itemKey(notificationId, shard),
        UpdateExpression: `SET countedThrough = :stamp${adds.length ? ` ADD ${adds.join(", ")}` : ""}`,
        ConditionExpression: found === undefined ? "attribute_not_exists(countedThrough)" : "countedThrough = :found",
        ...(entries.length ? { ExpressionAttributeNames: Object.fromEntries(entries.map(([attribute], index) => [`#a${index}`, attribute])) } : {}),
        ExpressionAttributeValues: { ":stamp": stamp, ...(found === undefined ? {} : { ":found": found }), ...Object.fromEntries(entries.map(([, delta], index) => [`:d${index}`, delta])) },
      }),
    );
  }

  /** Every shard's counts added up (with `alsoCounting`, items kept elsewhere): one query, whatever the broadcast's size. */
  async summary(notificationId: string, alsoCounting: ReadonlyArray<Record<string, unknown>> = []): Promise<BroadcastSummary> {
    const items: Record<string, unknown>[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({ TableName: this.tableName, KeyConditionExpression: "notificationId = :partition", ExpressionAttributeValues: { ":partition": broadcastSummaryPartition(notificationId) }, ExclusiveStartKey: startKey, ConsistentRead: true }),
      );
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return summaryOf([...items, ...alsoCounting]);
  }

  private itemKey(notificationId: string, shard: string): { notificationId: string; deliveryKey: string } {
    return { notificationId: broadcastSummaryPartition(notificationId), deliveryKey: shard };
  }
}
