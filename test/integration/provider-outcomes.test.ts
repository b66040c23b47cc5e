import { SQSClient } from "@aws-sdk/client-sqs";
import { afterEach, describe, expect, inject, it } from "vitest";
import { redriveDeadLetters } from "#shared/dlq-redrive.ts";
import { call, clearFaults, deliveries, eventually, injectFault, outbox, reachableUser, settled, uniqueId } from "../helpers/local-api.ts";

const sqs = new SQSClient({ region: "us-east-1", endpoint: inject("localCloudEndpoints").sqs, credentials: { accessKeyId: "local", secretAccessKey: "local" } });

async function publishTo(channel: string): Promise<string> {
  const userId = uniqueId("user");
  const notificationId = uniqueId("order");
  await call("PUT", `/v1/users/${userId}/preferences`, reachableUser);
  await call("POST", "/v1/notifications", { notificationId, type: "order.shipped", recipients: [{ userId }], channels: [channel], data: { orderId: "F-1" } });
  return notificationId;
}

afterEach(async () => {
  await clearFaults();
});

describe("provider outcomes", () => {
  it.each(["transient", "throttle", "timeout"])("retries a %s failure after a backoff and sends once", async (kind) => {
    await injectFault({ channel: "sms", kind, times: 1 });
    const notificationId = await publishTo("sms");
    const [row] = await eventually("the sms sent", () => deliveries(notificationId), (rows) => rows[0]?.status === "sent");
    expect(row!.attempts).toBe(2);
    await settled();
    expect(await outbox(notificationId)).toEqual([expect.objectContaining({ channel: "sms", attempt: 2 })]);
  });

  it("records a permanent rejection as failed with the provider's reason and does not retry", async () => {
    await injectFault({ channel: "email", kind: "permanent", times: 1 });
    const notificationId = await publishTo("email");
    const [row] = await eventually("the email failed", () => deliveries(notificationId), (rows) => rows[0]?.status === "failed");
    expect(row).toMatchObject({ attempts: 1, reason: expect.stringContaining("recipient rejected") });
    await settled();
    expect(await outbox(notificationId)).toEqual([]);
  });

  it("dead-letters a delivery that keeps failing, records it, and sends it once after a redrive", async () => {
    await injectFault({ channel: "push", kind: "transient" });
    const notificationId = await publishTo("push");
    const [row] = await eventually("the push dead-lettered", () => deliveries(notificationId), (rows) => rows[0]?.status === "dead_lettered", 40_000);
    expect(row).toMatchObject({ attempts: 5, reason: expect.stringContaining("503") });
    await settled();

    await clearFaults();
    const outputs = inject("localCloudOutputs");
    const result = await redriveDeadLetters(sqs, { deadLetterQueueUrl: outputs.PushDeadLetterQueueUrl!, targetQueueUrl: outputs.PushQueueUrl! });
    expect(result).toEqual({ moved: 1, failed: 0 });

    await eventually("the push sent after the redrive", () => deliveries(notificationId), (rows) => rows[0]?.status === "sent");
    await settled();
    expect(await outbox(notificationId)).toHaveLength(1);
  }, 90_000);
});
