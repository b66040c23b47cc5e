import { GetQueueAttributesCommand, PurgeQueueCommand, SetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";
import { afterEach, describe, expect, inject, it } from "vitest";
import { redriveDeadLetters } from "../../cli/dlq-redrive.ts";
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
    // The last receive is recorded dead_lettered before it runs, then again with the error that ended it.
    const [row] = await eventually("the push dead-lettered", () => deliveries(notificationId), (rows) => rows[0]?.status === "dead_lettered" && rows[0].reason?.includes("503") === true, 40_000);
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

  it("records a delivery whose worker dies on its last allowed receive as dead_lettered before SQS moves it to the DLQ", async () => {
    const outputs = inject("localCloudOutputs");
    const queueUrl = outputs.EmailQueueUrl!;
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["VisibilityTimeout"] }));
    // A dead worker's message waits out the visibility timeout before SQS moves it; shorten the wait.
    await sqs.send(new SetQueueAttributesCommand({ QueueUrl: queueUrl, Attributes: { VisibilityTimeout: "2" } }));
    try {
      await injectFault({ channel: "email", kind: "transient", times: 4 });
      await injectFault({ channel: "email", kind: "crash_before_send", times: 1 });
      const notificationId = await publishTo("email");
      const deadLetters = async () => {
        const { Attributes: counts } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: outputs.EmailDeadLetterQueueUrl!, AttributeNames: ["ApproximateNumberOfMessages"] }));
        return Number(counts?.ApproximateNumberOfMessages);
      };
      await eventually("the email in its DLQ", deadLetters, (count) => count === 1, 60_000);
      const [row] = await eventually("the email recorded", () => deliveries(notificationId), (rows) => rows[0]?.status === "dead_lettered");
      expect(row).toMatchObject({ attempts: 5, reason: "the worker stopped during the last allowed receive (5 of 5)" });

      // Not redriven here: with the visibility cut to 2 s the crashed claim's lease (twice the worker
      // timeout) is still live, which a deployed queue (visibility six times the timeout) never allows.
      // The chaos suite redrives crashed deliveries with the deployed ratio.
      await sqs.send(new PurgeQueueCommand({ QueueUrl: outputs.EmailDeadLetterQueueUrl! }));
    } finally {
      await sqs.send(new SetQueueAttributesCommand({ QueueUrl: queueUrl, Attributes: { VisibilityTimeout: Attributes!.VisibilityTimeout! } }));
    }
  }, 120_000);
});
