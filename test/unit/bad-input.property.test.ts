import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ZodError } from "zod";
import { parseChannelMessage } from "#shared/domain/channel-message.ts";
import { acceptNotificationRequest } from "#shared/domain/notification-request.ts";
import { preferencesSchema } from "#shared/domain/preferences.ts";
import { RequestError } from "#shared/domain/request-error.ts";
import { findTemplate } from "#shared/domain/templates/registry.ts";
import { dataIssues } from "#shared/domain/templates/data-schema.ts";
import { renderContent } from "#shared/domain/templates/render.ts";

/** Plausible-looking requests with every field liable to be the wrong type, size or content. */
const hostileRequest = fc.record(
  {
    notificationId: fc.oneof(fc.string(), fc.stringMatching(/^[A-Za-z0-9._:-]{1,140}$/), fc.integer()),
    type: fc.oneof(fc.constantFrom("order.shipped", "security.login_alert", "marketing.weekly_digest"), fc.string(), fc.constant(null)),
    recipients: fc.oneof(fc.array(fc.record({ userId: fc.oneof(fc.string(), fc.string({ unit: "binary" }), fc.integer()) }), { maxLength: 150 }), fc.jsonValue()),
    channels: fc.oneof(fc.array(fc.constantFrom("email", "sms", "push", "in_app", "fax", "")), fc.jsonValue()),
    category: fc.oneof(fc.constantFrom("transactional", "security", "marketing"), fc.string()),
    data: fc.oneof(fc.dictionary(fc.string(), fc.jsonValue()), fc.record({ orderId: fc.string({ unit: "binary" }), carrier: fc.constant("<script>alert(1)</script>") }), fc.jsonValue()),
    priority: fc.oneof(fc.constantFrom("high", "normal", "low"), fc.string()),
  },
  { requiredKeys: [] },
);

describe("bad input never escapes as anything but a named RequestError", () => {
  it("acceptNotificationRequest accepts or rejects any JSON value with a code and issues", () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue({ maxDepth: 8 }), hostileRequest), (body) => {
        try {
          const accepted = acceptNotificationRequest(body);
          expect(accepted.userIds.length).toBeGreaterThan(0);
          expect(accepted.channels.length).toBeGreaterThan(0);
        } catch (error) {
          expect(error).toBeInstanceOf(RequestError);
          expect(["invalid_request", "unknown_type", "unknown_channel"]).toContain((error as RequestError).code);
        }
      }),
      { numRuns: 500 },
    );
  }, 30_000);

  it("the worker's record parser rejects any malformed body with a parse or schema error", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.jsonValue().map((value) => JSON.stringify(value))), (body) => {
        try {
          parseChannelMessage(body);
        } catch (error) {
          expect(error instanceof SyntaxError || error instanceof ZodError).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  }, 30_000);

  it("the preferences schema answers any JSON value with success or issues naming a field", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (body) => {
        const result = preferencesSchema.safeParse(body);
        if (!result.success) expect(result.error.issues.length).toBeGreaterThan(0);
      }),
      { numRuns: 1000 },
    );
  });

  it("renders any accepted parameters with HTML escaped in the email and nothing unrendered", () => {
    const template = findTemplate("order.shipped")!;
    fc.assert(
      fc.property(fc.string({ unit: "binary", minLength: 1, maxLength: 64 }), fc.constantFrom("<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "&amp;"), (orderId, carrier) => {
        const data = { orderId, carrier };
        if (dataIssues("order.shipped@1", template.dataSchema, data).length > 0) return;
        const email = renderContent(template, "email", data) as { html: string };
        expect(email.html).not.toContain("<script>");
        expect(email.html).not.toContain("<img");
      }),
      { numRuns: 500 },
    );
  });
});
