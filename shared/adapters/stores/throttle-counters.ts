import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";

/** Sorts apart from the claim keys and send windows kept in the same table. */
const KEY_PREFIX = "~throttle#";

/**
 * Counts notifications per throttle window in the dedup table, one item per (scope, window), TTL'd
 * after the window. Each of the first `max` notifications is given its position, recorded under its
 * id, so a redelivery learns the same position and is not counted again; past `max` nothing more is
 * written (the answer, over the limit, is the same however often it is asked).
 */
export class ThrottleCounters {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;

  constructor(client: DynamoDBDocumentClient, tableName: string) {
    this.client = client;
    this.tableName = tableName;
  }

  /** The notification's position in the window, counting from 1; `max + 1` for every one past the limit. */
  async position(scopeKey: string, window: number, notificationId: string, max: number, expiresAt: number): Promise<number> {
    const names = { "#count": "notifications", "#notification": `n#${notificationId}` };
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { claimKey: `${KEY_PREFIX}${scopeKey}#${window}` },
          // Both operands read the item as it was, so the notification's position is the new count.
          UpdateExpression: "SET #count = if_not_exists(#count, :zero) + :one, #notification = if_not_exists(#count, :zero) + :one, expiresAt = if_not_exists(expiresAt, :expiresAt)",
          ConditionExpression: "attribute_not_exists(#notification) AND (attribute_not_exists(#count) OR #count < :max)",
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: { ":zero": 0, ":one": 1, ":max": max, ":expiresAt": expiresAt },
          ReturnValues: "UPDATED_NEW",
          ReturnValuesOnConditionCheckFailure: "ALL_OLD",
        }),
      );
      return Number(Attributes![names["#notification"]]);
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const recorded = error.Item ? unmarshall(error.Item)[names["#notification"]] : undefined;
      return recorded === undefined ? max + 1 : Number(recorded);
    }
  }
}
