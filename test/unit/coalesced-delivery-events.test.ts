import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { CoalescedDeliveryEvents } from "#shared/adapters/coalesced-delivery-events.ts";
import { deliveryEvent, type DeliveryEvent } from "#shared/domain/delivery-event.ts";

const event = (userId: string) => deliveryEvent({ notificationId: "n-1", type: "order.shipped", userId, channel: "email", status: "sent", attempt: 1 }, new Date(Date.UTC(2026, 10, 23)));

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe("delivery events coalesced into shared puts", () => {
  it("puts the events that arrive within the window in one request, and answers each caller after it", async () => {
    const puts: DeliveryEvent[][] = [];
    const events = new CoalescedDeliveryEvents({ publish: async (batch) => void puts.push(batch) }, 20);
    const answered: string[] = [];
    const first = events.publish([event("ada")]).then(() => answered.push("ada"));
    await vi.advanceTimersByTimeAsync(10);
    const second = events.publish([event("bob")]).then(() => answered.push("bob"));
    expect(puts).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(10);
    await Promise.all([first, second]);
    expect(puts.map((batch) => batch.map((entry) => entry.userId))).toEqual([["ada", "bob"]]);
    expect(answered).toEqual(["ada", "bob"]);

    await Promise.all([events.publish([event("cy")]), vi.advanceTimersByTimeAsync(20)]);
    expect(puts).toHaveLength(2);
  });

  it("fails every caller whose events were in a put that failed", async () => {
    const events = new CoalescedDeliveryEvents({ publish: async () => Promise.reject(new Error("throttled")) }, 20);
    const outcomes = Promise.allSettled([events.publish([event("ada")]), events.publish([event("bob")])]);
    await vi.advanceTimersByTimeAsync(20);
    expect((await outcomes).map((outcome) => outcome.status)).toEqual(["rejected", "rejected"]);
  });

  it("puts at once when the pending events reach PutRecords' limit of 500", async () => {
    const puts: number[] = [];
    const events = new CoalescedDeliveryEvents({ publish: async (batch) => void puts.push(batch.length) }, 20);
    await events.publish(Array.from({ length: 500 }, (_, index) => event(`u${index}`)));
    expect(puts).toEqual([500]);
  });
});
