import { describe, expect, it } from "vitest";
import type { ChannelMessage } from "#shared/domain/channel-message.ts";
import { deliveryEvent, type DeliveryStatus } from "#shared/domain/delivery-event.ts";
import type { FollowUp } from "#shared/domain/follow-up-rule.ts";
import { followUpsAfter } from "#shared/domain/follow-ups.ts";
import { defineTemplate } from "#shared/domain/templates/template-definition.ts";
import { orderShipped } from "#shared/domain/templates/order-shipped/definition.ts";

const NOW = Date.parse("2026-11-23T10:00:00Z");
const message: ChannelMessage = { version: 1, notificationId: "n-1", type: "order.shipped", category: "transactional", userId: "u-1", channels: ["push"], data: { orderId: "A" }, priority: "normal", publishedAt: "2026-11-23T09:59:00Z", releasedAt: "2026-11-23T09:59:30Z" };
const outcome = (status: DeliveryStatus, reason?: string, channel: "push" | "email" = "push") =>
  deliveryEvent({ notificationId: "n-1", type: "order.shipped", userId: "u-1", channel, status, attempt: 1, ...(reason ? { reason } : {}) }, new Date(NOW));

describe("followUpsAfter (order.shipped)", () => {
  it("falls back to email at once when push has no address, keeping the notificationId", () => {
    const { releasedAt: _releasedAt, ...unreleased } = message;
    expect(followUpsAfter(orderShipped, message, outcome("suppressed", "no_address"), NOW)).toEqual([{ send: "now", message: { ...unreleased, channels: ["email"], followUpOf: "push" } }]);
  });

  it("holds an escalation to email for 30 minutes after push was sent, unless it is opened or clicked", () => {
    expect(followUpsAfter(orderShipped, message, outcome("sent"), NOW)).toEqual([
      expect.objectContaining({ send: "later", channel: "email", dueAt: NOW + 30 * 60_000, unless: { channel: "push", statuses: ["opened", "clicked"] } }),
    ]);
  });

  it("holds nothing and sends nothing when the notification already goes to email", () => {
    const alsoEmail = { ...message, channels: ["push", "email"] as ChannelMessage["channels"] };
    expect(followUpsAfter(orderShipped, alsoEmail, outcome("sent"), NOW)).toEqual([]);
    expect(followUpsAfter(orderShipped, alsoEmail, outcome("suppressed", "no_address"), NOW)).toEqual([]);
  });

  it("does nothing for other outcomes or other channels", () => {
    expect(followUpsAfter(orderShipped, message, outcome("suppressed", "category_opt_out"), NOW)).toEqual([]);
    expect(followUpsAfter(orderShipped, message, outcome("deferred", "quiet_hours"), NOW)).toEqual([]);
    expect(followUpsAfter(orderShipped, message, outcome("suppressed", "no_address", "email"), NOW)).toEqual([]);
  });
});

describe("declaring follow-ups", () => {
  const { type: _type, version: _version, ...base } = orderShipped;
  it.each<[string, FollowUp]>([
    ["a channel following itself up", { kind: "fallback", from: "push", to: "push", when: ["failed"] }],
    ["an escalation of zero minutes", { kind: "escalation", from: "push", to: "email", afterMinutes: 0, unless: ["opened"] }],
  ])("refuses %s", (_name, followUp) => {
    expect(() => defineTemplate("test.follow_ups", { ...base, followUps: [followUp] })).toThrow(/follows push up on itself|whole minutes/);
  });
});
