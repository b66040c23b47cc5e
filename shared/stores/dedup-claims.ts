import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { Channel } from "#shared/channels.ts";
import { deliveryKey } from "#shared/delivery-event.ts";

export interface DeliveryKey {
  notificationId: string;
  userId: string;
  channel: Channel;
}

export type ClaimResult =
  | { kind: "claimed"; token: string }
  /** Sent already: a repeated publish or a redelivery after the mark. */
  | { kind: "already_done"; status: string; providerMessageId?: string }
  /** An earlier receive of this same message still holds a live lease; retry after it expires. */
  | { kind: "busy" }
  /** Another message for the same delivery (a repeated publish) owns it and is still in flight: this one is redundant. */
  | { kind: "owned_elsewhere" };

export interface DedupClaimsOptions {
  tableName: string;
  /** How long a claim stays exclusive; longer than one send, shorter than the queue's redelivery. */
  leaseMillis: number;
  /** How long a finished claim is remembered; covers DLQ retention so a redrive still deduplicates. */
  retentionSeconds: number;
  now: () => number;
}

/**
 * The exactly-once effect per (notification, user, channel): claim with a lease, send, then mark.
 * TTL deletion lags by up to two days, so every check compares the expiry itself.
 */
export class DedupClaims {
  private readonly client: DynamoDBDocumentClient;
  private readonly options: DedupClaimsOptions;

  constructor(client: DynamoDBDocumentClient, options: DedupClaimsOptions) {
    this.client = client;
    this.options = options;
  }

  /**
   * `owner` is the SQS message id. Any message for this delivery may take a claim whose lease was
   * released or has expired (its holder failed, crashed or sits in the DLQ); while the lease is
   * live, a later receive of the owner's own message backs off and any other message (a repeated
   * publish) is redundant, since the owner is at work on it right now.
   */
  async claim(key: DeliveryKey, token: string, owner: string): Promise<ClaimResult> {
    const now = this.options.now();
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.options.tableName,
          Item: {
            claimKey: deliveryKey(key),
            state: "claimed",
            token,
            owner,
            leaseExpiresAt: now + this.options.leaseMillis,
            expiresAt: Math.floor(now / 1000) + this.options.retentionSeconds,
          },
          ConditionExpression:
            "attribute_not_exists(claimKey) OR expiresAt < :nowSeconds OR #state = :deadLettered OR (#state = :claimed AND leaseExpiresAt < :now)",
          ExpressionAttributeNames: { "#state": "state" },
          ExpressionAttributeValues: { ":now": now, ":nowSeconds": Math.floor(now / 1000), ":claimed": "claimed", ":deadLettered": "dead_lettered" },
        }),
      );
      return { kind: "claimed", token };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const existing = await this.client.send(new GetCommand({ TableName: this.options.tableName, Key: { claimKey: deliveryKey(key) }, ConsistentRead: true }));
      const state = existing.Item?.state as string | undefined;
      // Gone or changed between the put and the get: try again shortly.
      if (state === undefined || state === "dead_lettered") return { kind: "busy" };
      if (state === "claimed") return existing.Item?.owner === owner ? { kind: "busy" } : { kind: "owned_elsewhere" };
      return { kind: "already_done", status: state, providerMessageId: existing.Item?.providerMessageId ?? undefined };
    }
  }

  /** Records the final state; only the holder of the claim may, so a late attempt cannot overwrite. */
  async complete(key: DeliveryKey, token: string, state: "sent" | "failed", providerMessageId?: string): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.options.tableName,
        Key: { claimKey: deliveryKey(key) },
        UpdateExpression: "SET #state = :state, providerMessageId = :providerMessageId REMOVE leaseExpiresAt",
        ConditionExpression: "#token = :token",
        ExpressionAttributeNames: { "#state": "state", "#token": "token" },
        ExpressionAttributeValues: { ":state": state, ":token": token, ":providerMessageId": providerMessageId ?? null },
      }),
    );
  }

  /** Ends the lease after a failure a retry can fix, so the owner's next receive need not wait it out. */
  async release(key: DeliveryKey, token: string): Promise<void> {
    await this.conditionalUpdate(key, "SET leaseExpiresAt = :now", "#token = :token AND #state = :claimed", { ":token": token, ":now": this.options.now() - 1 }, { "#token": "token" });
  }

  /** The owner's message went to the DLQ: whichever message comes back for this delivery may take it. */
  async markDeadLettered(key: DeliveryKey, owner: string): Promise<void> {
    await this.conditionalUpdate(key, "SET #state = :deadLettered", "#owner = :owner AND #state = :claimed", { ":owner": owner, ":deadLettered": "dead_lettered" }, { "#owner": "owner" });
  }

  private async conditionalUpdate(key: DeliveryKey, update: string, condition: string, values: Record<string, unknown>, names: Record<string, string>): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: { claimKey: deliveryKey(key) },
          UpdateExpression: update,
          ConditionExpression: condition,
          ExpressionAttributeNames: { "#state": "state", ...names },
          ExpressionAttributeValues: { ":claimed": "claimed", ...values },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
}
