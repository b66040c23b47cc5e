import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { grantedSends, sendWindowStart, type SendLane } from "../../domain/send-rate.ts";

/** Sorts apart from the claim keys that earlier versions kept in this table, which never start with '~'. */
const KEY_PREFIX = "~send-window#";
/** A window is read only while it is current; a minute later TTL may take it. */
const RETENTION_SECONDS = 60;
const expiresAtOf = (window: number) => Math.floor(sendWindowStart(window) / 1000) + RETENTION_SECONDS;

/**
 * A send count per one-second window (a channel's, or broadcast expansion's), one item per window in
 * the dedup table, shared by every function that sends under it. A take is one UpdateItem that adds what it asks for and learns the
 * new count, so concurrent takes never grant more than the limit between them. A transactional take
 * that comes up short reserves the next window for transactional sends: the bulk lane takes nothing
 * from a reserved window.
 */
export class SendRateWindows {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;

  constructor(client: DynamoDBDocumentClient, tableName: string) {
    this.client = client;
    this.tableName = tableName;
  }

  /** How many of `count` sends the window grants the lane. */
  async take(counter: string, window: number, count: number, limit: number, lane: SendLane): Promise<number> {
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { claimKey: keyOf(counter, window) },
          UpdateExpression: "ADD sends :count SET expiresAt = if_not_exists(expiresAt, :expiresAt)",
          ...(lane === "bulk" ? { ConditionExpression: "attribute_not_exists(reservedForTransactional)" } : {}),
          ExpressionAttributeValues: { ":count": count, ":expiresAt": expiresAtOf(window) },
          ReturnValues: "UPDATED_NEW",
        }),
      );
      return grantedSends(Number(Attributes!.sends), count, limit);
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return 0;
      throw error;
    }
  }

  async reserveForTransactional(counter: string, window: number): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { claimKey: keyOf(counter, window) },
        UpdateExpression: "SET reservedForTransactional = :true, expiresAt = if_not_exists(expiresAt, :expiresAt)",
        ExpressionAttributeValues: { ":true": true, ":expiresAt": expiresAtOf(window) },
      }),
    );
  }
}

function keyOf(counter: string, window: number): string {
  return `${KEY_PREFIX}${counter}#${window}`;
}
