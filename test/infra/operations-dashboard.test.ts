import { describe, expect, it } from "vitest";
import { CHANNELS } from "#shared/domain/channels.ts";
import { SUPPRESSION_REASONS } from "#shared/domain/delivery-decision.ts";
import { resourcesOfType, synthesizedTemplate } from "../helpers/synthesized-template.ts";

const template = synthesizedTemplate();
const dashboards = Object.values(resourcesOfType(template, "AWS::CloudWatch::Dashboard"));
const body = JSON.stringify(dashboards[0]?.Properties.DashboardBody);

describe("operations dashboard", () => {
  it("is one dashboard", () => {
    expect(dashboards).toHaveLength(1);
  });

  it("draws every queue's oldest message, every DLQ's depth and the stream's iterator age", () => {
    const queueIds = Object.keys(resourcesOfType(template, "AWS::SQS::Queue")).filter((id) => /Channel(DeadLetter)?Queue[0-9A-F]{8}$/.test(id));
    // Per channel: the transactional queue, the bulk queue and their DLQs.
    expect(queueIds).toHaveLength(CHANNELS.length * 4);
    for (const id of queueIds) expect(body, id).toContain(id);
    expect(body).toContain("ApproximateAgeOfOldestMessage");
    expect(body).toContain("GetRecords.IteratorAgeMilliseconds");
  });

  it("draws sent, failed, dead-lettered, deduplicated, suppressed by reason and provider latency for every channel", () => {
    for (const channel of CHANNELS) expect(body).toContain(`\\"channel\\",\\"${channel}\\",\\"service\\",\\"${channel}-worker\\"`);
    for (const metric of ["sent", "failed", "deadLettered", "deduplicated", "retried", "providerLatency"]) expect(body).toContain(`\\"${metric}\\"`);
    for (const reason of SUPPRESSION_REASONS) expect(body).toContain(`\\"reason\\",\\"${reason}\\"`);
  });

  it("draws broadcast pages waiting, in flight and dead-lettered, the expansion lag and the bulk lanes' backlog", () => {
    const expansionQueueIds = Object.keys(resourcesOfType(template, "AWS::SQS::Queue")).filter((id) => id.startsWith("BroadcastExpansion"));
    expect(expansionQueueIds).toHaveLength(2);
    for (const id of expansionQueueIds) expect(body, id).toContain(id);
    expect(body).toContain("ApproximateNumberOfMessagesNotVisible");
    expect(body).toContain("Broadcast expansion lag");
    for (const id of Object.keys(resourcesOfType(template, "AWS::SQS::Queue")).filter((id) => /BulkChannelQueue[0-9A-F]{8}$/.test(id))) expect(body, id).toContain(id);
  });

  it("draws every function's errors and shows every alarm", () => {
    for (const id of Object.keys(resourcesOfType(template, "AWS::Lambda::Function"))) expect(body, id).toContain(id);
    for (const id of Object.keys(resourcesOfType(template, "AWS::CloudWatch::Alarm"))) expect(body, id).toContain(id);
  });
});
