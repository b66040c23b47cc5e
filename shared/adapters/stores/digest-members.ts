import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { DigestEntry } from "#shared/domain/digest-window.ts";
import { deliveryRowKey } from "#shared/domain/delivery-row.ts";
import type { DeliveryKey } from "./dedup-claims.ts";

/** Where a delivery stands once it was offered to a digest. */
export type DigestHold = "held" | "canceled" | "released" | "sent_otherwise";

/**
 * The rows of deliveries folded into digests. A delivery's row decides its fate, as it does for a
 * send: the worker holds it for a digest (claimState `digested`, its data kept on the row), and
 * then exactly one of a window's release (`digest_released`) and a cancel (`canceled`) takes it,
 * each with a write conditional on `digested`. So a notification that reached two windows (a
 * redelivery after its first window was sealed) is carried by one of them, and a canceled one by none.
 */
export class DigestMembers {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;

  constructor(client: DynamoDBDocumentClient, tableName: string) {
    this.client = client;
    this.tableName = tableName;
  }

  /** "held" again on a redelivery, so the worker joins its window again, which changes nothing. */
  async hold(key: DeliveryKey, entry: Pick<DigestEntry, "data" | "at">): Promise<DigestHold> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: deliveryRowKey(key),
          UpdateExpression: "SET claimState = :digested, digestData = :data, digestAt = :at, userId = :userId, #channel = :channel",
          // A dead-lettered delivery was never sent: its redriven message may take it, as it may a claim.
          ConditionExpression: "(attribute_not_exists(claimState) AND (attribute_not_exists(#status) OR #status IN (:scheduled, :deferred))) OR claimState IN (:digested, :deadLettered)",
          ExpressionAttributeNames: { "#status": "status", "#channel": "channel" },
          ExpressionAttributeValues: {
            ":digested": "digested",
            ":deadLettered": "dead_lettered",
            ":data": entry.data,
            ":at": entry.at,
            ":userId": key.userId,
            ":channel": key.channel,
            ":scheduled": "scheduled",
            ":deferred": "deferred",
          },
          ReturnValuesOnConditionCheckFailure: "ALL_OLD",
        }),
      );
      return "held";
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const state = error.Item ? unmarshall(error.Item).claimState : undefined;
      if (state === "canceled") return "canceled";
      if (state === "digest_released") return "released";
      return "sent_otherwise";
    }
  }

  /** The delivery's entry when this window carries it (again, on a rerun); undefined when it was canceled or another window carries it. */
  async release(key: DeliveryKey, windowId: string): Promise<Pick<DigestEntry, "data" | "at"> | undefined> {
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: deliveryRowKey(key),
          UpdateExpression: "SET claimState = :released, digestedInto = :windowId",
          ConditionExpression: "claimState = :digested",
          ExpressionAttributeValues: { ":released": "digest_released", ":digested": "digested", ":windowId": windowId },
          ReturnValues: "ALL_NEW",
          ReturnValuesOnConditionCheckFailure: "ALL_OLD",
        }),
      );
      return { data: Attributes!.digestData as Record<string, unknown>, at: Attributes!.digestAt as string };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const row = error.Item ? unmarshall(error.Item) : undefined;
      return row?.claimState === "digest_released" && row.digestedInto === windowId ? { data: row.digestData as Record<string, unknown>, at: row.digestAt as string } : undefined;
    }
  }
}
