import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { Channel } from "#shared/channels.ts";

export interface DeliveryKey {
  notificationId: string;
  userId: string;
  channel: Channel;
}

export type ClaimResult =
  | { kind: "claimed"; token: string }
  /** Sent already: a repeated publish or a redelivery after the mark. */
  | { kind: "already_done"; status: string; providerMessageId?: string }
  /** Another attempt holds a live lease; retry after it expires. */
  | { kind: "busy" };

export interface DedupClaimsOptions {
  tableName: string;
  /** How long a claim stays exclusive; longer than one send, shorter than the queue's redelivery. */
  leaseMillis: number;
  /** How long a finished claim is remembered; covers DLQ retention so a redrive still deduplicates. */
  retentionSeconds: number;
  now: () => number;
}

function claimKey(key: DeliveryKey): string {
  return `${key.notificationId}#${key.userId}#${key.channel}`;
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

  async claim(key: DeliveryKey, token: string): Promise<ClaimResult> {
    const now = this.options.now();
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.options.tableName,
          Item: {
            claimKey: claimKey(key),
            state: "claimed",
            token,
            leaseExpiresAt: now + this.options.leaseMillis,
            expiresAt: Math.floor(now / 1000) + this.options.retentionSeconds,
          },
          ConditionExpression: "attribute_not_exists(claimKey) OR expiresAt < :nowSeconds OR (#state = :claimed AND leaseExpiresAt < :now)",
          ExpressionAttributeNames: { "#state": "state" },
          ExpressionAttributeValues: { ":now": now, ":nowSeconds": Math.floor(now / 1000), ":claimed": "claimed" },
        }),
      );
      return { kind: "claimed", token };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const existing = await this.client.send(new GetCommand({ TableName: this.options.tableName, Key: { claimKey: claimKey(key) }, ConsistentRead: true }));
      const state = existing.Item?.state as string | undefined;
      // Gone between the put and the get means its holder released it: let the retry claim it afresh.
      if (state === undefined || state === "claimed") return { kind: "busy" };
      return { kind: "already_done", status: state, providerMessageId: existing.Item?.providerMessageId ?? undefined };
    }
  }

  /** Records the final state; only the holder of the claim may, so a late attempt cannot overwrite. */
  async complete(key: DeliveryKey, token: string, state: "sent" | "failed", providerMessageId?: string): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.options.tableName,
        Key: { claimKey: claimKey(key) },
        UpdateExpression: "SET #state = :state, providerMessageId = :providerMessageId REMOVE leaseExpiresAt",
        ConditionExpression: "#token = :token",
        ExpressionAttributeNames: { "#state": "state", "#token": "token" },
        ExpressionAttributeValues: { ":state": state, ":token": token, ":providerMessageId": providerMessageId ?? null },
      }),
    );
  }

  /** Gives a claim back after a failure a retry can fix, so the retry need not wait out the lease. */
  async release(key: DeliveryKey, token: string): Promise<void> {
    try {
      await this.client.send(
        new DeleteCommand({
          TableName: this.options.tableName,
          Key: { claimKey: claimKey(key) },
          ConditionExpression: "#token = :token AND #state = :claimed",
          ExpressionAttributeNames: { "#state": "state", "#token": "token" },
          ExpressionAttributeValues: { ":token": token, ":claimed": "claimed" },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
}
