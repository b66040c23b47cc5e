import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { cancelTargets, type CancelTarget } from "#shared/domain/cancellation.ts";
import type { Channel } from "#shared/domain/channels.ts";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { deliveryEvent, type DeliveryEvent, type DeliveryStatus } from "#shared/domain/delivery-event.ts";
import { allOf, deliveryRowKey, foldEvents } from "#shared/domain/delivery-row.ts";
import type { FollowUp } from "#shared/domain/follow-up-rule.ts";
import { BUILT_IN_VERSION } from "#shared/domain/templates/template-definition.ts";
import { combined, rowChangesUpdate, updateCommandInput, type RowUpdate } from "./delivery-row-update.ts";
import { DeliveriesStore, HEADER_KEY, ROWS_FROM } from "./deliveries-store.ts";
import { inChunks } from "#shared/lib/in-chunks.ts";

/** Rows written at once; a direct notification has at most 100 recipients on 4 channels. */
const CONCURRENT_WRITES = 25;

/**
 * What a delivery's row must say for a cancel to take it: nothing claimed it for a send (its
 * message may still be queued, held for quiet hours or scheduled), or it waits in a digest window,
 * or its message sits in a DLQ. A claimed row is being or was sent, and a suppressed or failed one
 * is already final, so neither changes. The worker's claim requires the opposite, so of a claim and
 * a cancel racing on one row exactly one succeeds.
 */
const CANCELABLE: RowUpdate = {
  sets: ["claimState = :canceledState"],
  removes: [],
  conditions: ["((attribute_not_exists(claimState) AND (attribute_not_exists(#status) OR #status IN (:scheduled, :deferred))) OR claimState IN (:digestedState, :deadLetteredState))"],
  names: { "#status": "status" },
  values: { ":canceledState": "canceled", ":scheduled": "scheduled", ":deferred": "deferred", ":digestedState": "digested", ":deadLetteredState": "dead_lettered" },
};

/**
 * Writes a `canceled` event to its delivery's row if the row is still cancelable. `"canceled"`: this
 * write took it; otherwise the row as it was, which says whether something canceled it before.
 */
export async function cancelDeliveryRow(client: DynamoDBDocumentClient, tableName: string, event: DeliveryEvent): Promise<"canceled" | { row: Record<string, unknown> | undefined }> {
  const update = combined(CANCELABLE, rowChangesUpdate(allOf(foldEvents([event])), "unseen"));
  try {
    await client.send(new UpdateCommand(updateCommandInput(tableName, deliveryRowKey(event), update)));
    return "canceled";
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return { row: error.Item ? unmarshall(error.Item) : undefined };
    throw error;
  }
}

/** DELETE /v1/notifications/{id}: every delivery of a notification not yet sent becomes `canceled`. */
export class DeliveryCancellations {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly followUpsOf: (type: string, version: number) => Promise<readonly FollowUp[]>;
  private readonly deliveries: DeliveriesStore;

  constructor(client: DynamoDBDocumentClient, tableName: string, followUpsOf: (type: string, version: number) => Promise<readonly FollowUp[]>) {
    this.client = client;
    this.tableName = tableName;
    this.followUpsOf = followUpsOf;
    this.deliveries = new DeliveriesStore(client, tableName);
  }

  /**
   * Marks the notification canceled (a schedule not yet released then publishes nothing) and takes
   * back each of its deliveries still cancelable. Returns how many this call canceled (none when
   * called again), or undefined when the notification is unknown.
   */
  async cancel(notificationId: string, now: number): Promise<{ canceled: number } | undefined> {
    const items = await this.deliveries.items(notificationId);
    const header = items.find((item) => item.deliveryKey === HEADER_KEY);
    const rows = items.filter((item) => String(item.deliveryKey) > ROWS_FROM && item.channel !== undefined);
    if (!header && rows.length === 0) return undefined;
    const type = (header?.type ?? rows[0]!.type) as string;
    if (header) await this.markCanceled(notificationId, now);
    const targets = cancelTargets({
      header: header && { userIds: header.userIds as string[] | undefined, channels: header.channels as Channel[] },
      rows: rows.map((row) => ({ userId: row.userId as string, channel: row.channel as Channel, status: row.status as DeliveryStatus | undefined })),
      followUps: await this.followUpsOf(type, (header?.templateVersion as number | undefined) ?? BUILT_IN_VERSION),
    });
    const taken = await inChunks(targets, CONCURRENT_WRITES, (target) => this.cancelDelivery(notificationId, type, target, now));
    return { canceled: taken.filter(Boolean).length };
  }

  private async cancelDelivery(notificationId: string, type: string, { userId, channel }: CancelTarget, now: number): Promise<boolean> {
    const event = deliveryEvent({ notificationId, userId, channel, type, status: "canceled", attempt: 1 }, new Date(now));
    return (await cancelDeliveryRow(this.client, this.tableName, event)) === "canceled";
  }

  private async markCanceled(notificationId: string, now: number): Promise<void> {
    await markNotificationCanceled(this.client, this.tableName, notificationId, now);
  }
}

/** Records on the notification's header when it was first canceled: a schedule not yet released then publishes nothing. */
export async function markNotificationCanceled(client: DynamoDBDocumentClient, tableName: string, notificationId: string, now: number): Promise<void> {
  await client.send(
    new UpdateCommand({
      TableName: tableName,
      Key: { notificationId, deliveryKey: HEADER_KEY },
      UpdateExpression: "SET canceledAt = if_not_exists(canceledAt, :now)",
      ExpressionAttributeValues: { ":now": new Date(now).toISOString() },
    }),
  );
}
