import { GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";
import { describe, expect, inject, it } from "vitest";
import { call, eventually, outbox, settled, uniqueId } from "../helpers/local-api.ts";

const sqs = new SQSClient({ region: "us-east-1", endpoint: inject("localCloudEndpoints").sqs, credentials: { accessKeyId: "local", secretAccessKey: "local" } });
const outputs = inject("localCloudOutputs");

async function waiting(queueUrl: string): Promise<number> {
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["ApproximateNumberOfMessages"] }));
  return Number(Attributes?.ApproximateNumberOfMessages ?? 0);
}

describe("bulk lanes on the local cloud", () => {
  it("sends a transactional notification within 5 s while a broadcast fills its channel's bulk queue", async () => {
    const members = Array.from({ length: 2_000 }, (_, index) => uniqueId(`bulk-member-${index}`));
    const audienceId = uniqueId("bulk-aud");
    await call("PUT", `/v1/audiences/${audienceId}`, {});
    for (let start = 0; start < members.length; start += 1_000) await call("POST", `/v1/audiences/${audienceId}/members`, { add: members.slice(start, start + 1_000) });
    const broadcastId = uniqueId("bulk-broadcast");
    expect((await call("POST", "/v1/notifications", { notificationId: broadcastId, type: "order.shipped", audience: audienceId, channels: ["in_app"], data: { orderId: "L-1" } })).status).toBe(202);

    const bulkQueueUrl = outputs.InAppBulkQueueUrl!;
    await eventually("the in-app bulk queue holds a backlog", () => waiting(bulkQueueUrl), (count) => count >= 1_000, 30_000);
    expect(await waiting(outputs.InAppQueueUrl!)).toBe(0);

    const transactionalId = uniqueId("bulk-transactional");
    const published = performance.now();
    expect((await call("POST", "/v1/notifications", { notificationId: transactionalId, type: "order.shipped", recipients: [{ userId: uniqueId("bulk-bystander") }], channels: ["in_app"], data: { orderId: "T-1" } })).status).toBe(202);
    await eventually("the transactional in-app message sent", () => outbox(transactionalId), (sent) => sent.length === 1, 10_000);
    const latencyMillis = performance.now() - published;
    const stillWaiting = await waiting(bulkQueueUrl);

    // It went past the broadcast rather than after it: the bulk queue still holds what was ahead of it.
    expect(stillWaiting).toBeGreaterThan(0);
    expect(latencyMillis).toBeLessThan(5_000);

    await eventually("every member reached", () => outbox(broadcastId), (sent) => sent.length === members.length, 120_000);
    await settled();
    const reached = (await outbox(broadcastId)).map((message) => message.userId);
    expect(reached.toSorted()).toEqual(members.toSorted());
  });
});
