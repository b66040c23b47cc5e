import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { call, settled, uniqueId } from "../helpers/local-api.ts";

const CASES = Number(process.env.BAD_INPUT_CASES ?? 60);
const NAMED_CODES = ["invalid_request", "unknown_type", "unknown_channel", "payload_too_large"];

const body = fc.oneof(
  fc.jsonValue({ maxDepth: 10 }).map((value) => JSON.stringify(value)),
  fc.string(),
  fc.string({ unit: "binary" }),
  fc.nat({ max: 60 }).map((depth) => `${"[".repeat(depth * 20)}${"]".repeat(depth * 20)}`),
  fc.record({
    type: fc.constantFrom("order.shipped", "marketing.weekly_digest", "nope"),
    recipients: fc.array(fc.record({ userId: fc.oneof(fc.stringMatching(/^[a-z0-9-]{1,20}$/), fc.string({ unit: "binary" })) }), { maxLength: 130 }),
    channels: fc.option(fc.array(fc.constantFrom("email", "sms", "push", "in_app", "fax"), { maxLength: 5 }), { nil: undefined }),
    data: fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.constant("<script>alert(1)</script>"), fc.integer())),
  }).map((request) => JSON.stringify(request)),
);

describe("the HTTP API under random input", () => {
  it(`answers ${CASES} random bodies with 202 or a named 4xx, never a 5xx, and publishes nothing it rejects`, async () => {
    const rejectedIds: string[] = [];
    await fc.assert(
      fc.asyncProperty(body, async (raw) => {
        const notificationId = uniqueId("fuzz");
        // Give the body an id we can look up afterwards when it is an object we can add one to.
        let sent = raw;
        try {
          const parsed = JSON.parse(raw);
          if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) sent = JSON.stringify({ ...parsed, notificationId });
        } catch {
          // not JSON: sent as is
        }
        const response = await call("POST", "/v1/notifications", sent);
        expect(response.status).toBeLessThan(500);
        if (response.status === 202) return;
        expect([400, 413]).toContain(response.status);
        expect(NAMED_CODES).toContain(response.body.error.code);
        if (sent !== raw) rejectedIds.push(notificationId);
      }),
      { numRuns: CASES },
    );
    await settled();
    for (const notificationId of rejectedIds) expect((await call("GET", `/v1/notifications/${notificationId}`)).status).toBe(404);
  }, 120_000);

  it("answers a body over the size limit with 413", async () => {
    const response = await call("POST", "/v1/notifications", JSON.stringify({ type: "order.shipped", recipients: [{ userId: "u" }], data: { orderId: "x".repeat(300_000) } }));
    expect(response).toMatchObject({ status: 413, body: { error: { code: "payload_too_large" } } });
  });
});
