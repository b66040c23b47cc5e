import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { Channel } from "#shared/domain/channels.ts";
import type { DeliveryEvent } from "#shared/domain/delivery-event.ts";
import { allOf, changesTo, deliveryRowKey, foldEvents, type StoredRow } from "#shared/domain/delivery-row.ts";
import { combined, rowChangesUpdate, updateCommandInput, type RowUpdate } from "./delivery-row-update.ts";

export interface DeliveryKey {
  notificationId: string;
  userId: string;
  channel: Channel;
  /** Set on a broadcast's delivery, whose row lives on one of the broadcast's row shards. */
  rowShards?: number;
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
  /** The deliveries table: a claim lives on its delivery's row. */
  tableName: string;
  /** How long a claim stays exclusive; longer than one send, shorter than the queue's redelivery. */
  leaseMillis: number;
  /** How long a finished claim is remembered; covers DLQ retention so a redrive still deduplicates. */
  retentionSeconds: number;
  now: () => number;
}

/**
 * Statuses that a row written before claims lived on it (by the events function alone) holds only
 * after a send: such a row with no claim was sent already.
 */
const SENT_BEFORE_CLAIMS_ON_ROWS = ["sent", "delivered", "opened", "clicked", "bounced", "complained"];

/**
 * The exactly-once effect per (notification, user, channel): claim with a lease, send, then mark.
 * The claim lives on the delivery's row in the deliveries table, so the mark that finishes it also
 * writes the outcome's status and history: a send costs two writes, not a claim item and a row.
 * Powertools idempotency does not fit here: it keys a record to one in-progress owner until expiry,
 * and cannot hand a live claim over between messages (a repeated publish is redundant while the
 * owner works, yet takes over once the owner released its lease or sits in the DLQ).
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
   * publish) is redundant, since the owner is at work on it right now. A finished claim is
   * forgotten after the retention: rows are kept for good, so the check compares the expiry itself.
   */
  async claim(key: DeliveryKey, token: string, owner: string): Promise<ClaimResult> {
    const now = this.options.now();
    const nowSeconds = Math.floor(now / 1000);
    const sentBefore = SENT_BEFORE_CLAIMS_ON_ROWS.map((_, index) => `:sent${index}`);
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: deliveryRowKey(key),
          UpdateExpression:
            `SET claimState = :claimed, claimToken = :token, claimOwner = :owner, leaseExpiresAt = :leaseExpiresAt, claimExpiresAt = :claimExpiresAt, userId = :userId, #channel = :channel`,
          ConditionExpression: [
            `(attribute_not_exists(claimState) AND (attribute_not_exists(#status) OR NOT #status IN (${sentBefore.join(", ")})))`,
            "claimExpiresAt < :nowSeconds",
            "claimState = :deadLettered",
            "(claimState = :claimed AND leaseExpiresAt < :now)",
          ].join(" OR "),
          ExpressionAttributeNames: { "#status": "status", "#channel": "channel" },
          ExpressionAttributeValues: {
            ":claimed": "claimed",
            ":deadLettered": "dead_lettered",
            ":token": token,
            ":owner": owner,
            ":now": now,
            ":nowSeconds": nowSeconds,
            ":leaseExpiresAt": now + this.options.leaseMillis,
            ":claimExpiresAt": nowSeconds + this.options.retentionSeconds,
            ":userId": key.userId,
            ":channel": key.channel,
            ...Object.fromEntries(SENT_BEFORE_CLAIMS_ON_ROWS.map((status, index) => [`:sent${index}`, status])),
          },
          ReturnValuesOnConditionCheckFailure: "ALL_OLD",
        }),
      );
      return { kind: "claimed", token };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const row = (error.Item ? unmarshall(error.Item) : await this.row(key)) as StoredRow | undefined;
      const state = row?.claimState as string | undefined;
      if (state === undefined && SENT_BEFORE_CLAIMS_ON_ROWS.includes(row?.status as string)) return { kind: "already_done", status: "sent" };
      // Changed between the write and the read: try again shortly.
      if (state === undefined || state === "dead_lettered") return { kind: "busy" };
      if (state === "claimed") return row?.claimOwner === owner ? { kind: "busy" } : { kind: "owned_elsewhere" };
      // Held for a digest (a redelivery past the throttle's window took it there first): the digest carries it.
      if (state === "digested" || state === "digest_released") return { kind: "owned_elsewhere" };
      return { kind: "already_done", status: state, providerMessageId: (row?.providerMessageId as string | null | undefined) ?? undefined };
    }
  }

  /**
   * Records the final state (the outcome's status: sent, or failed for good) and the outcome, which the row then shows (its status unless something
   * that outranks it, such as a receipt, got there first); only the holder of the claim may, so a
   * late attempt cannot overwrite. Throws ConditionalCheckFailedException when the claim was lost.
   */
  async complete(key: DeliveryKey, token: string, outcome: DeliveryEvent): Promise<void> {
    const folded = foldEvents([outcome]);
    const finish: RowUpdate = {
      sets: ["claimState = :finalState", "providerMessageId = :providerMessageId"],
      removes: ["leaseExpiresAt"],
      conditions: ["claimToken = :token"],
      names: {},
      values: { ":finalState": outcome.status, ":providerMessageId": outcome.providerMessageId ?? null, ":token": token },
    };
    let update = combined(finish, rowChangesUpdate(allOf(folded), "unseen"));
    for (let tries = 1; ; tries++) {
      try {
        await this.client.send(new UpdateCommand(updateCommandInput(this.options.tableName, deliveryRowKey(key), update)));
        return;
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        const row = (error.Item ? unmarshall(error.Item) : await this.row(key)) as StoredRow | undefined;
        if (row?.claimToken !== token || tries >= 3) throw error;
        // Still ours, but the row already holds something that outranks this outcome: keep that status.
        update = combined(finish, rowChangesUpdate(changesTo(row, folded), { precedence: row.precedence }));
      }
    }
  }

  /** Whether DELETE /v1/notifications/{id} took this delivery back (read strongly consistent). */
  async isCanceled(key: DeliveryKey): Promise<boolean> {
    return (await this.row(key))?.claimState === "canceled";
  }

  /** Ends the lease after a failure a retry can fix, so the owner's next receive need not wait it out. */
  async release(key: DeliveryKey, token: string): Promise<void> {
    await this.conditionalUpdate(key, "SET leaseExpiresAt = :now", "claimToken = :token AND claimState = :claimed", { ":token": token, ":now": this.options.now() - 1 });
  }

  /** The owner's message went to the DLQ: whichever message comes back for this delivery may take it. */
  async markDeadLettered(key: DeliveryKey, owner: string): Promise<void> {
    await this.conditionalUpdate(key, "SET claimState = :deadLettered", "claimOwner = :owner AND claimState = :claimed", { ":owner": owner, ":deadLettered": "dead_lettered" });
  }

  private async conditionalUpdate(key: DeliveryKey, update: string, condition: string, values: Record<string, unknown>): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: deliveryRowKey(key),
          UpdateExpression: update,
          ConditionExpression: condition,
          ExpressionAttributeValues: { ":claimed": "claimed", ...values },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  private async row(key: DeliveryKey): Promise<StoredRow | undefined> {
    return (await this.client.send(new GetCommand({ TableName: this.options.tableName, Key: deliveryRowKey(key), ConsistentRead: true }))).Item as StoredRow | undefined;
  }
}
