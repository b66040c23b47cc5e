import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, inject, it } from "vitest";
import { call, clearFaults, deliveries, eventually, injectFault, settled, uniqueId } from "../helpers/local-api.ts";

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+\.[A-Za-z0-9.-]+/;
const PHONE = /\+[1-9]\d{7,14}/;
const PUSH_ENDPOINT = /arn:aws:sns:[a-z0-9-]+:\d{12}:endpoint\//;

afterEach(async () => {
  await clearFaults();
});

describe("function logs", () => {
  it("never carry an email address, phone number or push endpoint in clear, on success or failure", async () => {
    const userId = uniqueId("private");
    const secretEmail = `${userId}@private.example`;
    const preferences = { email: secretEmail, phone: "+14155559876", pushEndpoints: [`arn:aws:sns:us-east-1:000000000000:endpoint/GCM/app/${userId}`] };
    await call("PUT", `/v1/users/${userId}/preferences`, preferences);
    await injectFault({ channel: "sms", kind: "transient", times: 1 });
    await injectFault({ channel: "push", kind: "permanent", times: 1 });
    const notificationId = uniqueId("order");
    await call("POST", "/v1/notifications", { notificationId, type: "order.shipped", recipients: [{ userId }], data: { orderId: "L-1" } });
    await eventually("four outcomes", () => deliveries(notificationId), (rows) => rows.length === 4 && rows.every((row) => row.status !== "deferred"));
    await settled();

    const logs = inject("localCloudLogs");
    const files = readdirSync(logs);
    expect(files.length).toBeGreaterThan(4);
    for (const file of files) {
      const text = readFileSync(join(logs, file), "utf8");
      expect(text, file).not.toContain(secretEmail);
      expect(text, file).not.toContain(preferences.phone);
      expect(text, file).not.toMatch(EMAIL);
      expect(text, file).not.toMatch(PHONE);
      expect(text, file).not.toMatch(PUSH_ENDPOINT);
    }
  });
});
