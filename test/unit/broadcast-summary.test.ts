import { describe, expect, it } from "vitest";
import { countAttribute, countDeltas, summaryOf } from "#shared/domain/broadcast-summary.ts";

describe("broadcast summary", () => {
  it("moves a delivery from the status it was counted as to the one it has now", () => {
    const deltas = countDeltas([
      { channel: "email", to: "sent" },
      { channel: "email", from: "sent", to: "delivered" },
      { channel: "email", to: "sent" },
      { channel: "sms", from: "deferred", to: "sent" },
    ]);
    expect(Object.fromEntries(deltas)).toEqual({ [countAttribute("email", "sent")]: 1, [countAttribute("email", "delivered")]: 1, [countAttribute("sms", "deferred")]: -1, [countAttribute("sms", "sent")]: 1 });
  });

  it("writes nothing for changes that cancel out", () => {
    expect(countDeltas([{ channel: "push", to: "sent" }, { channel: "push", from: "sent", to: "failed" }, { channel: "push", from: "failed", to: "sent" }, { channel: "push", from: "sent", to: "sent" }]).size).toBe(1);
    expect(countDeltas([{ channel: "push", from: "failed", to: "failed" }]).size).toBe(0);
  });

  it("shows the counts per channel and status, leaving out zeros and what is not a count", () => {
    expect(summaryOf({ notificationId: "n", deliveryKey: "#summary", [countAttribute("in_app", "sent")]: 4, [countAttribute("email", "deferred")]: 0, [countAttribute("email", "sent")]: 2 })).toEqual({ in_app: { sent: 4 }, email: { sent: 2 } });
    expect(summaryOf(undefined)).toEqual({});
  });
});
