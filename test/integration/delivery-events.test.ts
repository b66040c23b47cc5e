import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { KinesisClient, PutRecordsCommand } from "@aws-sdk/client-kinesis";
import { DynamoDBDocumentClient, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, inject, it } from "vitest";
import { deliveryEvent, type DeliveryEvent, type DeliveryStatus } from "#shared/domain/delivery-event.ts";
import { DeliveriesStore } from "#shared/adapters/stores/deliveries-store.ts";
import { eventually, uniqueId } from "../helpers/local-api.ts";

const credentials = { accessKeyId: "local", secretAccessKey: "local" };
const endpoints = inject("localCloudEndpoints");
const outputs = inject("localCloudOutputs");
const documents = DynamoDBDocumentClient.from(new DynamoDBClient({ region: "us-east-1", endpoint: endpoints.dynamodb, credentials }));
const kinesis = new KinesisClient({ region: "us-east-1", endpoint: endpoints.kinesis, credentials });
const deliveries = new DeliveriesStore(documents, outputs.DeliveriesTableName!);

function eventsOf(notificationId: string, userId: string, steps: Array<[DeliveryStatus, number, string?]>): DeliveryEvent[] {
  return steps.map(([status, second, reason], index) =>
    deliveryEvent({ notificationId, type: "order.shipped", userId, channel: "email", status, attempt: Math.min(index + 1, 5), ...(reason ? { reason } : {}) }, new Date(Date.UTC(2026, 10, 23, 10, 0, second))),
  );
}

async function tableItems(notificationId: string): Promise<Record<string, unknown>[]> {
  const { Items = [] } = await documents.send(new QueryCommand({ TableName: outputs.DeliveriesTableName!, KeyConditionExpression: "notificationId = :id", ExpressionAttributeValues: { ":id": notificationId }, ConsistentRead: true }));
  return Items;
}

describe("the deliveries table, as the events function writes it", () => {
  it("keeps the status monotonic: a late sent does not overwrite opened", async () => {
    const notificationId = uniqueId("n");
    const [sent, opened, lateSent] = eventsOf(notificationId, "ada", [["sent", 1], ["opened", 5], ["sent", 9]]);
    for (const event of [sent!, opened!]) expect(await deliveries.apply(event)).toBe("applied");
    expect(await deliveries.apply(lateSent!)).toBe("stale");
    const [row] = (await tableItems(notificationId)).filter((item) => item.deliveryKey === "ada#email");
    // Attempts counts the late sent's attempt all the same: it is the highest seen.
    expect(row).toMatchObject({ status: "opened", attempts: 3 });
  });

  it("ends in the same table whatever the order, and again when everything is applied twice", async () => {
    const steps: Array<[DeliveryStatus, number, string?]> = [["deferred", 1], ["dead_lettered", 2, "the worker stopped"], ["dead_lettered", 2, "503"], ["sent", 3], ["delivered", 4], ["clicked", 6], ["opened", 5]];
    const orders = [[0, 1, 2, 3, 4, 5, 6], [6, 5, 4, 3, 2, 1, 0], [3, 0, 6, 2, 5, 1, 4]];
    const tables: unknown[] = [];
    for (const order of orders) {
      const notificationId = uniqueId("n");
      const events = eventsOf(notificationId, "ada", steps);
      for (const index of [...order, ...order]) await deliveries.apply(events[index]!);
      const items = await tableItems(notificationId);
      // Ids differ per run; name them by their place so the tables compare.
      let table = JSON.stringify(items).replaceAll(notificationId, "N");
      events.forEach((event, index) => (table = table.replaceAll(event.eventId, `E${index}`)));
      tables.push((JSON.parse(table) as Array<{ deliveryKey: string }>).sort((a, b) => a.deliveryKey.localeCompare(b.deliveryKey)));
      expect(items.find((item) => item.deliveryKey === "ada#email")).toMatchObject({ status: "clicked", attempts: 4 });
      expect(await deliveries.timeline(notificationId)).toHaveLength(steps.length);
    }
    expect(tables[1]).toEqual(tables[0]);
    expect(tables[2]).toEqual(tables[0]);
  });

  it("keeps one history item per eventId, its earliest, when a worker sends a finished delivery's event again", async () => {
    const notificationId = uniqueId("n");
    const [first] = eventsOf(notificationId, "ada", [["sent", 1]]);
    const again = { ...first!, at: new Date(Date.UTC(2026, 10, 23, 10, 0, 4)).toISOString() };
    for (const event of [again, first!, again]) await deliveries.apply(event);
    expect(await deliveries.timeline(notificationId)).toEqual([first]);
  });

  it("gives the history of each user and channel in the order it happened", async () => {
    const notificationId = uniqueId("n");
    const events = [...eventsOf(notificationId, "bob", [["sent", 3], ["opened", 7]]), ...eventsOf(notificationId, "ada", [["failed", 2]])];
    for (const event of [...events].reverse()) await deliveries.apply(event);
    expect((await deliveries.timeline(notificationId)).map((event) => `${event.userId} ${event.status}`)).toEqual(["ada failed", "bob sent", "bob opened"]);
    // No ingest header (as when NotifyClient publishes to the topic): the view comes from the rows.
    const view = await deliveries.get(notificationId);
    expect(view).toMatchObject({ notificationId, type: "order.shipped", recipients: 2, channels: ["email"] });
    expect(view).not.toHaveProperty("acceptedAt");
  });

  it("leaves the same table when the events function reads the same records from the stream twice", async () => {
    const notificationId = uniqueId("n");
    const events = eventsOf(notificationId, "cy", [["sent", 1], ["delivered", 2], ["opened", 3]]);
    const put = (records: DeliveryEvent[]) =>
      kinesis.send(new PutRecordsCommand({ StreamName: outputs.DeliveryEventsStreamName!, Records: records.map((event) => ({ PartitionKey: event.userId, Data: Buffer.from(JSON.stringify(event)) })) }));
    await put(events);
    const once = await eventually("the events applied", () => tableItems(notificationId), (items) => items.some((item) => item.status === "opened"));

    // The replay changes nothing visible, so a sentinel behind it on the same shard says when it has been read.
    const sentinel = eventsOf(uniqueId("sentinel"), "cy", [["sent", 4]]);
    await put([...events, ...sentinel]);
    await eventually("the sentinel applied", () => tableItems(sentinel[0]!.notificationId), (items) => items.length > 0);
    expect(await tableItems(notificationId)).toEqual(once);
  });
});
