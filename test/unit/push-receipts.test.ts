import { describe, expect, it } from "vitest";
import { parsePushDeliveryStatus, readPushReceipt, type PushDeliveryStatus } from "#shared/domain/push-receipts.ts";

const sent = { notificationId: "order-1", userId: "ada", type: "order.shipped", channel: "push" as const };
const endpoint = "arn:aws:sns:eu-west-1:123456789012:endpoint/APNS/mobile/0a1b2c";

function logLine(status: "SUCCESS" | "FAILURE", statusCode: number, providerResponse: string): PushDeliveryStatus {
  return parsePushDeliveryStatus(
    JSON.stringify({
      notification: { messageMD5Sum: "x", messageId: "sns-1", timestamp: "2026-11-23 10:15:30.250" },
      delivery: { deliveryId: "d-1", destination: endpoint, providerResponse, dwellTimeMs: 40, attempts: 1, statusCode },
      status,
    }),
  );
}

describe("push receipts", () => {
  it("reads a success as delivered, at SNS's UTC timestamp", () => {
    const { event, goneEndpoint } = readPushReceipt(logLine("SUCCESS", 200, "{}"), sent);
    expect(event).toMatchObject({ ...sent, status: "delivered", provider: "sns-push", providerMessageId: "sns-1", at: "2026-11-23T10:15:30.250Z" });
    expect(goneEndpoint).toBeUndefined();
  });

  it.each([
    ["APNs 410 Unregistered", 410, '{"reason":"Unregistered"}'],
    ["APNs BadDeviceToken", 400, '{"reason":"BadDeviceToken"}'],
    ["FCM legacy NotRegistered", 200, '{"results":[{"error":"NotRegistered"}]}'],
    ["FCM v1 UNREGISTERED", 404, '{"error":{"details":[{"errorCode":"UNREGISTERED"}]}}'],
  ])("drops the endpoint on %s", (_, statusCode, response) => {
    const { event, goneEndpoint } = readPushReceipt(logLine("FAILURE", statusCode, response), sent);
    expect(event.status).toBe("failed");
    expect(event.reason).toMatch(/^push_endpoint_gone \(endpoint 0a1b2c\): /);
    expect(goneEndpoint).toBe(endpoint);
  });

  it("keeps the endpoint on a failure the device may recover from", () => {
    const { event, goneEndpoint } = readPushReceipt(logLine("FAILURE", 429, '{"reason":"TooManyRequests"}'), sent);
    expect(event.reason).toBe('push_rejected (endpoint 0a1b2c): 429 {"reason":"TooManyRequests"}');
    expect(goneEndpoint).toBeUndefined();
  });

  it("gives each device's receipt its own event", () => {
    const other = { ...logLine("FAILURE", 410, "Unregistered"), delivery: { destination: `${endpoint}-tablet`, statusCode: 410 } };
    expect(readPushReceipt(other, sent).event.eventId).not.toBe(readPushReceipt(logLine("FAILURE", 410, "Unregistered"), sent).event.eventId);
  });

  it("refuses a line that is not SNS delivery status", () => {
    expect(() => parsePushDeliveryStatus('{"eventType":"Delivery"}')).toThrow(/not an SNS delivery status/);
  });
});
