import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { GetCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { NOT_STARTED, type ExpansionCheckpoint } from "#shared/domain/broadcast-expansion.ts";

/** Checkpoints sit beside the notification's header in its partition, sorting before every delivery row. */
export const CHECKPOINT_PREFIX = "#expansion#";
const checkpointKey = (notificationId: string, shard: number) => ({ notificationId, deliveryKey: `${CHECKPOINT_PREFIX}${String(shard).padStart(2, "0")}` });

export function checkpointOf(item: Record<string, unknown> | undefined): ExpansionCheckpoint {
  if (!item) return NOT_STARTED;
  // A cancel may mark a shard's checkpoint before its expansion wrote any of it.
  return {
    pagesDone: (item.pagesDone as number | undefined) ?? 0,
    ...(item.after ? { after: item.after as string } : {}),
    expanded: (item.expanded as number | undefined) ?? 0,
    done: item.done === true,
    canceled: item.canceledAt !== undefined,
    cancel: {
      pagesDone: (item.cancelPagesDone as number | undefined) ?? 0,
      ...(item.cancelAfter ? { after: item.cancelAfter as string } : {}),
      done: item.cancelDone === true,
      checked: (item.cancelChecked as number | undefined) ?? 0,
      canceled: (item.cancelCount as number | undefined) ?? 0,
    },
  };
}

/** Where each shard's expansion chain stands, in the deliveries table. */
export class ExpansionCheckpoints {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;

  constructor(client: DynamoDBDocumentClient, tableName: string) {
    this.client = client;
    this.tableName = tableName;
  }

  /** Strongly consistent: the chain's next step depends on the last write, not a replica's view of it. */
  async read(notificationId: string, shard: number): Promise<ExpansionCheckpoint> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: checkpointKey(notificationId, shard), ConsistentRead: true }));
    return checkpointOf(Item);
  }

  /**
   * Records that `page` was published, if the checkpoint still expects it: false when another
   * delivery of the same page message got there first, which then owns queuing the successor.
   */
  async advance(notificationId: string, shard: number, page: number, published: { count: number; last?: string }): Promise<boolean> {
    const sets = ["pagesDone = :next", "done = :done", ...(published.last ? ["#after = :last"] : [])];
    return this.conditionalUpdate(
      checkpointKey(notificationId, shard),
      `SET ${sets.join(", ")} ADD expanded :count${published.last ? "" : " REMOVE #after"}`,
      page === 0 ? "attribute_not_exists(pagesDone)" : "pagesDone = :page",
      { "#after": "after" },
      {
        ":next": page + 1,
        ":done": published.last === undefined,
        ":count": published.count,
        ...(published.last ? { ":last": published.last } : {}),
        ...(page === 0 ? {} : { ":page": page }),
      },
    );
  }

  /**
   * Marks every shard canceled, which each expansion page reads before it publishes: none does
   * after this. The first cancel's time stands.
   */
  async markCanceled(notificationId: string, shards: number, canceledAt: string): Promise<void> {
    await Promise.all(
      Array.from({ length: shards }, (_, shard) =>
        this.client.send(new UpdateCommand({ TableName: this.tableName, Key: checkpointKey(notificationId, shard), UpdateExpression: "SET canceledAt = if_not_exists(canceledAt, :at)", ExpressionAttributeValues: { ":at": canceledAt } })),
      ),
    );
  }

  /** Records that a cancel's `page` was done, as advance does for an expansion's. */
  async advanceCancel(notificationId: string, shard: number, page: number, done: { checked: number; canceled: number; last?: string }): Promise<boolean> {
    return this.conditionalUpdate(
      checkpointKey(notificationId, shard),
      `SET cancelPagesDone = :next, cancelDone = :done${done.last ? ", cancelAfter = :last" : ""} ADD cancelChecked :checked, cancelCount :canceled${done.last ? "" : " REMOVE cancelAfter"}`,
      page === 0 ? "attribute_not_exists(cancelPagesDone)" : "cancelPagesDone = :page",
      {},
      { ":next": page + 1, ":done": done.last === undefined, ":checked": done.checked, ":canceled": done.canceled, ...(done.last ? { ":last": done.last } : {}), ...(page === 0 ? {} : { ":page": page }) },
    );
  }

  /** False when the condition failed: another delivery of the same page message got there first. */
  private async conditionalUpdate(key: Record<string, string>, update: string, condition: string, names: Record<string, string>, values: Record<string, unknown>): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: update,
          ConditionExpression: condition,
          ...(Object.keys(names).length ? { ExpressionAttributeNames: names } : {}),
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** Every shard's checkpoint in one query; a shard that has not started reads as NOT_STARTED. */
  async all(notificationId: string, shards: number): Promise<ExpansionCheckpoint[]> {
    const { Items = [] } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: "notificationId = :id AND begins_with(deliveryKey, :prefix)",
        ExpressionAttributeValues: { ":id": notificationId, ":prefix": CHECKPOINT_PREFIX },
        ConsistentRead: true,
      }),
    );
    const byKey = new Map(Items.map((item) => [item.deliveryKey as string, item]));
    return Array.from({ length: shards }, (_, shard) => checkpointOf(byKey.get(checkpointKey(notificationId, shard).deliveryKey)));
  }
}
