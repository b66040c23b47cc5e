import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DELIVERY_STATUSES, deliveryEvent, type DeliveryStatus } from "#shared/domain/delivery-event.ts";
import { precedence } from "#shared/domain/delivery-precedence.ts";

const at = (second: number) => new Date(Date.UTC(2026, 10, 23, 10, 0, second));
const event = (status: DeliveryStatus, second: number, reason?: string) =>
  deliveryEvent({ notificationId: "n-1", type: "order.shipped", userId: "u-1", channel: "email", status, attempt: 1, ...(reason ? { reason } : {}) }, at(second));
const winner = (...events: ReturnType<typeof event>[]) => events.reduce((best, candidate) => (precedence(candidate) >= precedence(best) ? candidate : best)).status;

describe("delivery precedence", () => {
  it("never lets a late sent overwrite opened, clicked, bounced or complained", () => {
    for (const status of ["delivered", "opened", "clicked", "bounced", "complained"] as const) expect(winner(event(status, 1), event("sent", 30))).toBe(status);
  });

  it("lets the newest attempt outcome win, so a redriven sent replaces dead_lettered", () => {
    expect(winner(event("dead_lettered", 1), event("sent", 2))).toBe("sent");
    expect(winner(event("deferred", 1), event("suppressed", 2))).toBe("suppressed");
    expect(winner(event("sent", 1), event("dead_lettered", 2))).toBe("dead_lettered");
  });

  it("ranks engagement by stage, not time: clicked stays clicked when a delayed opened arrives", () => {
    expect(winner(event("clicked", 1), event("opened", 9))).toBe("clicked");
    expect(winner(event("opened", 1), event("complained", 2))).toBe("complained");
  });

  it("prefers an attempt's outcome over the record written before it in the same millisecond", () => {
    expect(winner(event("sent", 1), event("dead_lettered", 1, "the worker stopped during the last allowed receive (5 of 5)"))).toBe("sent");
  });

  it("lets a scheduled delivery's later outcome replace it, and keeps a cancel whatever a worker records after it", () => {
    expect(winner(event("scheduled", 1), event("sent", 2))).toBe("sent");
    expect(winner(event("scheduled", 1), event("deferred", 2))).toBe("deferred");
    for (const status of ["scheduled", "deferred", "suppressed", "digested", "dead_lettered"] as const) expect(winner(event("canceled", 1), event(status, 9))).toBe("canceled");
  });

  it("picks the same winner from any order of any events", () => {
    const anyEvent = fc.tuple(fc.constantFrom(...DELIVERY_STATUSES), fc.integer({ min: 0, max: 5 })).map(([status, second]) => event(status, second));
    fc.assert(
      fc.property(fc.array(anyEvent, { minLength: 1, maxLength: 12 }), fc.func(fc.integer()), (events, shuffleKey) => {
        const shuffled = [...events].sort((a, b) => shuffleKey(a.eventId) - shuffleKey(b.eventId));
        expect(winner(...shuffled).valueOf()).toBe(winner(...events));
      }),
      { numRuns: 300 },
    );
  });
});
