import { describe, expect, it } from "vitest";
import type { ChannelMessage } from "#shared/domain/channel-message.ts";
import { deliver, type DeliverDependencies } from "#shared/workflows/deliver.ts";
import type { DeliveryEvent } from "#shared/domain/delivery-event.ts";
import { builtInTemplates } from "#shared/domain/templates/registry.ts";

const unreachable = () => {
  throw new Error("must not be called");
};

describe("deliver, marketing email on a stack without the HTTP API", () => {
  it("fails it for good, naming the missing unsubscribe link, and sends nothing", async () => {
    const events: DeliveryEvent[] = [];
    const deps = {
      channel: "email",
      templates: builtInTemplates,
      preferences: { get: async () => ({ email: "ada@example.com" }) },
      claims: { claim: unreachable },
      deferred: { hold: unreachable },
      followUps: { publish: unreachable },
      provider: { name: "ses", send: unreachable },
      events: { publish: async (batch: DeliveryEvent[]) => void events.push(...batch) },
      now: () => Date.parse("2026-11-23T10:00:00Z"),
      newToken: () => "token",
    } as unknown as DeliverDependencies;
    const message: ChannelMessage = { version: 1, notificationId: "n-1", type: "marketing.weekly_digest", category: "marketing", userId: "ada", channels: ["email"], data: {}, priority: "low", publishedAt: "2026-11-23T09:59:00Z" };

    const result = await deliver(message, { attempt: 1, messageId: "m-1" }, deps);
    expect(result).toMatchObject({ kind: "outcome", event: { status: "failed", reason: expect.stringMatching(/^no_unsubscribe_link/) } });
    expect(events).toHaveLength(1);
  });
});
