import { describe, expect, it } from "vitest";
import { routingAttributes, type ChannelMessage } from "#shared/domain/channel-message.ts";
import { matchesFilterPolicy } from "#infra/local/sns-filter-string-array.ts";

const message: ChannelMessage = {
  version: 1, notificationId: "n-1", type: "order.shipped", category: "transactional", userId: "u-1", channels: ["email", "in_app"], data: {}, priority: "normal", publishedAt: "2026-12-04T00:00:00.000Z",
};

describe("routing attributes", () => {
  it("route a direct message to the channels' transactional queues and a broadcast's to their bulk queues", () => {
    const transactional = { kind: ["direct"], channels: ["email"] };
    const bulk = { kind: ["broadcast"], channels: ["email"] };
    const direct = routingAttributes(message);
    const broadcast = routingAttributes({ ...message, audience: "launch" });
    expect([matchesFilterPolicy(transactional, direct), matchesFilterPolicy(bulk, direct)]).toEqual([true, false]);
    expect([matchesFilterPolicy(transactional, broadcast), matchesFilterPolicy(bulk, broadcast)]).toEqual([false, true]);
  });
});
