import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { GetCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { NOT_STARTED, type ExpansionCheckpoint } from "#shared/domain/broadcast-expansion.ts";

/** Checkpoints sit beside the notification's header in its partition, sorting before every delivery row. */
export const CHECKPOINT_PREFIX = "#expansion#";
const checkpointKey = (notificationId: string, shard: number) => ({ notificationId, deliveryKey: `${CHECKPOINT_PREFIX}${String(shard).padStart(2, "0")}` });

export function checkpointOf(item: Record<string, unknown> | undefined): ExpansionCheckpoint {
  if (!item) return NOT_STARTED;
  return { pagesDone: item.pagesDone as number, ...(item.after ? { after: item.after as string } : {}), expanded: item.expanded as number, done: item.done as boolean };
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
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: checkpointKey(notificationId, shard),
          UpdateExpression: published.last ? "SET pagesDone = :next, #after = :last, done = :done ADD expanded :count" : "SET pagesDone = :next, done = :done ADD expanded :count REMOVE #after",
          ConditionExpression: page === 0 ? "attribute_not_exists(pagesDone)" : "pagesDone = :page",
          ExpressionAttributeNames: { "#after": "after" },
          ExpressionAttributeValues: {
            ":next": page + 1,
            ":done": published.last === undefined,
            ":count": published.count,
            ...(published.last ? { ":last": published.last } : {}),
            ...(page === 0 ? {} : { ":page": page }),
          },
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
