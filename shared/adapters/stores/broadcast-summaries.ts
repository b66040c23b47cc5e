import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { Channel } from "../../domain/channels.ts";
import type { DeliveryStatus } from "../../domain/delivery-event.ts";
import { deliveryRowKey } from "../../domain/delivery-row.ts";
import type { StatusChange } from "../../domain/broadcast-summary.ts";

/** Sorts with the header and the checkpoints, before every delivery row, so GET reads it with them. */
export const SUMMARY_KEY = "#summary";

/**
 * A broadcast's counts per channel and status, kept as its deliveries change: one item beside its
 * header, moved by ADD. Each delivery row remembers the status the summary counts it as (`counted`),
 * so a change is taken from the row once, by a conditional write, however often its events replay.
 */
export class BroadcastSummaries {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;

  constructor(client: DynamoDBDocumentClient, tableName: string) {
    this.client = client;
    this.tableName = tableName;
  }

  /** The row's change since the summary last counted it, marked counted; undefined when there is none. */
  async takeChange(delivery: { notificationId: string; userId: string; channel: Channel }): Promise<StatusChange | undefined> {
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: deliveryRowKey(delivery),
          UpdateExpression: "SET counted = #status",
          ConditionExpression: "attribute_exists(#status) AND (attribute_not_exists(counted) OR counted <> #status)",
          ExpressionAttributeNames: { "#status": "status" },
          ReturnValues: "ALL_OLD",
        }),
      );
      return { channel: delivery.channel, from: Attributes?.counted as DeliveryStatus | undefined, to: Attributes!.status as DeliveryStatus };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }

  async add(notificationId: string, deltas: Map<string, number>): Promise<void> {
    if (deltas.size === 0) return;
    const entries = [...deltas];
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { notificationId, deliveryKey: SUMMARY_KEY },
        UpdateExpression: `ADD ${entries.map((_, index) => `#a${index} :d${index}`).join(", ")}`,
        ExpressionAttributeNames: Object.fromEntries(entries.map(([attribute], index) => [`#a${index}`, attribute])),
        ExpressionAttributeValues: Object.fromEntries(entries.map(([, delta], index) => [`:d${index}`, delta])),
      }),
    );
  }
}
