import { BatchGetCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { BroadcastMessage, Escalation } from "#shared/domain/broadcast-expansion.ts";
import { AUDIENCE_SHARDS } from "#shared/domain/audience.ts";
import type { Channel } from "#shared/domain/channels.ts";
import { deliveryEvent, type DeliveryEvent } from "#shared/domain/delivery-event.ts";
import { deliveryRowKey, historyOf } from "#shared/domain/delivery-row.ts";
import { inChunks } from "#shared/lib/in-chunks.ts";
import { sendResendingFailed } from "#shared/lib/resend-failed.ts";
import type { DeliveryEventPublisher } from "../delivery-event-publisher.ts";
import { AWS_LIMITS } from "../aws-limits.ts";
import { ExpansionCheckpoints } from "./expansion-checkpoints.ts";
import { cancelDeliveryRow, markNotificationCanceled } from "./delivery-cancellations.ts";

/** Rows written at once: a page of 200 members on four channels is 800 conditional writes. */
const CONCURRENT_WRITES = 25;
const MAX_BATCH_GET_ATTEMPTS = 8;
/** An escalation is pending once its original was sent and until it reaches what stops it. */
const ESCALATION_PENDING = new Set(["sent", "delivered"]);

/**
 * A broadcast's cancel. `mark` records it on the header and on every shard's checkpoint, so no
 * expansion page publishes after it; the expander then walks each shard's published members a page
 * at a time (workflows/cancel-page.ts) and `cancelMembers` takes back their deliveries: a delivery
 * nothing has claimed (queued, held for quiet hours, in a DLQ) becomes `canceled` by a conditional
 * write that a worker's claim cannot also win, so each ends sent or canceled, never both.
 */
export class BroadcastCancellations {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly events: Pick<DeliveryEventPublisher, "publish">;
  private readonly sleep: (millis: number) => Promise<void>;
  private readonly checkpoints: ExpansionCheckpoints;

  constructor(client: DynamoDBDocumentClient, tableName: string, events: Pick<DeliveryEventPublisher, "publish">, sleep: (millis: number) => Promise<void>) {
    this.client = client;
    this.tableName = tableName;
    this.events = events;
    this.sleep = sleep;
    this.checkpoints = new ExpansionCheckpoints(client, tableName);
  }

  /** Marks the broadcast canceled: its header, then every shard's checkpoint. Repeating it changes nothing. */
  async mark(notificationId: string, now: number): Promise<void> {
    await markNotificationCanceled(this.client, this.tableName, notificationId, now);
    await this.checkpoints.markCanceled(notificationId, AUDIENCE_SHARDS, new Date(now).toISOString());
  }

  /**
   * Takes back the deliveries of these members not yet claimed, and each escalation still pending
   * after a sent original, and puts a `canceled` event on the stream for each (the summary counts
   * it). Answers how many of them this cancel holds: those it took now and those an earlier attempt
   * at the same page took, whose events it publishes again, under their own ids, in case that
   * attempt died before it could.
   */
  async cancelMembers(broadcast: BroadcastMessage, userIds: readonly string[], escalations: readonly Escalation[], now: number): Promise<number> {
    const { notificationId, type, audience, rowShards } = broadcast;
    const targets = userIds.flatMap((userId) => broadcast.channels.map((channel) => ({ userId, channel })));
    if (escalations.length > 0) targets.push(...(await this.pendingEscalations(broadcast, userIds, escalations)));
    const canceled: DeliveryEvent[] = [];
    await inChunks(targets, CONCURRENT_WRITES, async ({ userId, channel }) => {
      const event = deliveryEvent({ notificationId, userId, channel, type, status: "canceled", attempt: 1, audience, rowShards }, new Date(now));
      const outcome = await cancelDeliveryRow(this.client, this.tableName, event);
      if (outcome === "canceled") canceled.push(event);
      else if (outcome.row?.claimState === "canceled") {
        const earlier = historyOf(notificationId, outcome.row).find((entry) => entry.status === "canceled");
        if (earlier) canceled.push({ ...earlier, audience, rowShards });
      }
    });
    await this.events.publish(canceled);
    return canceled.length;
  }

  /** The escalations still pending for these members: their original on `from` was sent or delivered, and nothing more. */
  private async pendingEscalations(broadcast: BroadcastMessage, userIds: readonly string[], escalations: readonly Escalation[]): Promise<Array<{ userId: string; channel: Channel }>> {
    const { notificationId, rowShards } = broadcast;
    const froms = [...new Set(escalations.map(({ from }) => from))];
    const keys = userIds.flatMap((userId) => froms.map((channel) => deliveryRowKey({ notificationId, userId, channel, rowShards })));
    const pending: Array<{ userId: string; channel: Channel }> = [];
    for (let start = 0; start < keys.length; start += AWS_LIMITS.dynamodb.batchGetItems) {
      await sendResendingFailed(
        keys.slice(start, start + AWS_LIMITS.dynamodb.batchGetItems),
        async (batch) => {
          const result = await this.client.send(new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: batch, ConsistentRead: true, ProjectionExpression: "userId, #channel, #status", ExpressionAttributeNames: { "#channel": "channel", "#status": "status" } } } }));
          for (const row of result.Responses?.[this.tableName] ?? []) {
            if (!ESCALATION_PENDING.has(row.status as string)) continue;
            for (const { from, to } of escalations) if (from === row.channel) pending.push({ userId: row.userId as string, channel: to });
          }
          return { failed: (result.UnprocessedKeys?.[this.tableName]?.Keys ?? []) as typeof batch, retryable: true, detail: "unprocessed by BatchGetItem (throttled)" };
        },
        { maxAttempts: MAX_BATCH_GET_ATTEMPTS, sleep: this.sleep, giveUp: (failed, detail) => new Error(`${failed.length} rows of broadcast ${notificationId} were ${detail} after ${MAX_BATCH_GET_ATTEMPTS} attempts`) },
      );
    }
    return pending;
  }
}
