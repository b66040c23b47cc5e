import { describe, expect, it } from "vitest";
import { deliveryKey } from "#shared/domain/delivery-event.ts";
import { digestFindings, renderedLikeCount, scheduleFindings, type DeliveryRow, type Send } from "../chaos/grouping-in-time-invariants.ts";

const like = (index: number) => ({ notificationId: `chaos-like-${index}`, userId: "dee", channel: "push" });
const digestKey = (windowId: string) => deliveryKey({ notificationId: windowId, userId: "dee", channel: "push" });
const sent = (body: string): Send[] => [{ at: "2026-12-06T10:05:00.000Z", body }];

describe("the chaos suite's digest invariants", () => {
  it("reads the count a digest renders", () => {
    expect(renderedLikeCount("Ada liked your comment")).toBe(1);
    expect(renderedLikeCount("Ada and 1 other liked your comment")).toBe(2);
    expect(renderedLikeCount("Ada and 41 others liked your comment")).toBe(42);
  });

  it("holds when every like is in one sent window that counts it", () => {
    const rows = new Map<string, DeliveryRow>([
      [deliveryKey(like(0)), { status: "digested", reason: "digest-a" }],
      [deliveryKey(like(1)), { status: "digested", reason: "digest-a" }],
      [deliveryKey(like(2)), { status: "digested", reason: "digest-b" }],
      [digestKey("digest-a"), { status: "sent" }],
      [digestKey("digest-b"), { status: "failed" }],
    ]);
    const findings = digestFindings([like(0), like(1), like(2)], rows, new Map([[digestKey("digest-a"), sent("liker1 and 1 other liked your comment")]]));
    expect(findings).toMatchObject({ notDigested: [], undecidedDigests: [], miscounted: [] });
    expect(findings.windows.size).toBe(2);
  });

  it("finds a like left out, a window never released, and a digest that counts a like twice", () => {
    const rows = new Map<string, DeliveryRow>([
      [deliveryKey(like(0)), { status: "digested", reason: "digest-a" }],
      [deliveryKey(like(1)), { status: "digested", reason: "digest-b" }],
      [digestKey("digest-a"), { status: "sent" }],
    ]);
    const findings = digestFindings([like(0), like(1), like(2)], rows, new Map([[digestKey("digest-a"), sent("liker0 and 1 other liked your comment")]]));
    expect(findings.notDigested).toEqual([deliveryKey(like(2))]);
    expect(findings.undecidedDigests).toEqual([digestKey("digest-b")]);
    expect(findings.miscounted).toEqual([{ window: digestKey("digest-a"), likes: 1, rendered: 2 }]);
  });
});

describe("the chaos suite's schedule invariants", () => {
  const delivery = (notificationId: string, channel: string) => ({ notificationId, userId: "ada", channel });
  const scheduled = [delivery("s-0", "email"), delivery("s-0", "sms"), delivery("s-1", "email")];

  it("holds when each delivery is sent or canceled and each cancel answers what it canceled", () => {
    const rows = new Map<string, DeliveryRow>([
      [deliveryKey(scheduled[0]!), { status: "canceled" }],
      [deliveryKey(scheduled[1]!), { status: "sent" }],
      [deliveryKey(scheduled[2]!), { status: "sent" }],
    ]);
    const sends = new Map([[deliveryKey(scheduled[1]!), sent("shipped")], [deliveryKey(scheduled[2]!), sent("shipped")]]);
    expect(scheduleFindings(scheduled, new Map([["s-0", 1]]), rows, sends)).toEqual({ undecided: [], canceledButSent: [], cancelCountsOff: [], canceled: 1, sent: 2 });
  });

  it("finds a delivery both canceled and sent, one still scheduled, and a cancel whose answer is off", () => {
    const rows = new Map<string, DeliveryRow>([
      [deliveryKey(scheduled[0]!), { status: "canceled" }],
      [deliveryKey(scheduled[1]!), { status: "scheduled" }],
      [deliveryKey(scheduled[2]!), { status: "sent" }],
    ]);
    const findings = scheduleFindings(scheduled, new Map([["s-0", 2]]), rows, new Map([[deliveryKey(scheduled[0]!), sent("shipped")]]));
    expect(findings.canceledButSent).toEqual([deliveryKey(scheduled[0]!)]);
    expect(findings.undecided).toEqual([deliveryKey(scheduled[1]!)]);
    expect(findings.cancelCountsOff).toEqual([{ notificationId: "s-0", answered: 2, rows: 1 }]);
  });
});
