import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, inject, it } from "vitest";
import { call, deliveries, eventually, reachableUser, settled, uniqueId } from "../helpers/local-api.ts";

interface EmfRecord {
  _aws: { CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string }> }> };
  [field: string]: unknown;
}

/** How far each function's log had been written: records after it are this test's. */
function logLengths(): Map<string, number> {
  const logs = inject("localCloudLogs");
  return new Map(readdirSync(logs).map((file) => [file, statSync(join(logs, file)).size]));
}

/** The CloudWatch embedded-metric records the functions logged after `since`. */
function emfRecordsSince(since: Map<string, number>): EmfRecord[] {
  const logs = inject("localCloudLogs");
  return readdirSync(logs).flatMap((file) => {
    const log = readFileSync(join(logs, file));
    let start = since.get(file) ?? 0;
    // A line being written when the length was taken is not this test's.
    if (start > 0 && log[start - 1] !== 0x0a) start = log.indexOf(0x0a, start) + 1 || log.length;
    return log
      .subarray(start)
      .toString("utf8")
      .split("\n")
      .filter((line) => line.includes('"_aws"'))
      .map((line) => JSON.parse(line.slice(line.indexOf("{"))) as EmfRecord);
  });
}

const emitted = (records: EmfRecord[], metric: string, dimensions: Record<string, string>) =>
  records.some(
    (record) =>
      record._aws.CloudWatchMetrics.some((set) => set.Namespace === "Notify" && set.Metrics.some((m) => m.Name === metric) && set.Dimensions.some((names) => [...names].sort().join() === Object.keys(dimensions).sort().join())) &&
      Object.entries(dimensions).every(([name, value]) => record[name] === value),
  );

describe("worker metrics, as the dashboard reads them", () => {
  it("emits sent and provider latency per channel, and suppressed per channel and reason", async () => {
    const userId = uniqueId("metrics");
    await call("PUT", `/v1/users/${userId}/preferences`, { email: reachableUser.email });
    const notificationId = uniqueId("order");
    // Files run one at a time, so what the workers log from here on comes from this notification.
    const before = logLengths();
    await call("POST", "/v1/notifications", { notificationId, type: "order.shipped", recipients: [{ userId }], channels: ["email", "sms"], data: { orderId: "M-1" } });
    await eventually("both outcomes", () => deliveries(notificationId), (rows) => rows.length === 2);
    await settled();

    const records = emfRecordsSince(before);
    expect(emitted(records, "sent", { service: "email-worker", channel: "email" })).toBe(true);
    expect(emitted(records, "providerLatency", { service: "email-worker", channel: "email" })).toBe(true);
    expect(emitted(records, "suppressed", { service: "sms-worker", channel: "sms", reason: "no_address" })).toBe(true);
  });
});
