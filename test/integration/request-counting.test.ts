import { describe, expect, inject, it } from "vitest";
import type { OperationUsage } from "#infra/local/sdk-request-counter.ts";
import { usageBetween, type UsageSnapshot } from "#infra/local/usage-ledger.ts";
import { call, deliveries, eventually, settled, uniqueId } from "../helpers/local-api.ts";

const usage = async (): Promise<UsageSnapshot> => (await call("GET", "/_local/usage")).body;
const none: OperationUsage = { requests: 0, writeUnits: 0, readUnits: 0, payloadChunks: 0, putPayloadUnits: 0, throttled: 0 };

describe("requests counted at the SDK on the local cloud", () => {
  it("counts what one in-app delivery asks of each service, and the invocation that made it", async () => {
    const userId = uniqueId("counted-user");
    await call("PUT", `/v1/users/${userId}/preferences`, { locale: "en" });
    await settled();
    const before = await usage();
    const notificationId = uniqueId("counted");
    await call("POST", "/v1/notifications", { notificationId, type: "order.shipped", recipients: [{ userId }], channels: ["in_app"], data: { orderId: "C-1" } });
    await eventually("the in-app delivery sent", () => deliveries(notificationId), (rows) => rows[0]?.status === "sent");
    await settled();
    const { requests, functions } = usageBetween(before, await usage());
    const of = (key: string) => requests[key] ?? none;

    expect(of("sns.PublishBatch")).toMatchObject({ requests: 1, payloadChunks: 1 });
    expect(of("sqs.DeleteMessageBatch").requests).toBe(1);
    expect(of("kinesis.PutRecords").putPayloadUnits).toBeGreaterThanOrEqual(1);
    // The inbox item and the delivery's writes, each at least one write unit as the table reports it.
    const writes = of("dynamodb.PutItem").requests + of("dynamodb.UpdateItem").requests;
    expect(writes).toBeGreaterThanOrEqual(2);
    expect(of("dynamodb.PutItem").writeUnits + of("dynamodb.UpdateItem").writeUnits).toBeGreaterThanOrEqual(writes);
    // The worker reads its batch's preferences together.
    expect(of("dynamodb.BatchGetItem")).toMatchObject({ requests: 1, readUnits: 0.5 });

    const inAppWorker = functions[inject("localCloudOutputs").InAppWorkerName!]!;
    expect(inAppWorker).toMatchObject({ invocations: 1, records: 1 });
    expect(inAppWorker.billedMillis).toBeGreaterThan(0);
    expect(inAppWorker.logBytes).toBeGreaterThan(0);
  });
});
