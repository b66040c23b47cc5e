import { describe, expect, it } from "vitest";
import { countAttribute, countDeltas, summaryOf, summaryStamp, uncountedChanges, type TakenChange } from "#shared/domain/broadcast-summary.ts";

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
    expect(summaryOf([{ notificationId: "n#summary", deliveryKey: "shardId-0", [countAttribute("in_app", "sent")]: 4, [countAttribute("email", "deferred")]: 0, [countAttribute("email", "sent")]: 2 }])).toEqual({ in_app: { sent: 4 }, email: { sent: 2 } });
    expect(summaryOf([])).toEqual({});
  });

  it("adds up the items of every stream shard", () => {
    const items = [
      { [countAttribute("in_app", "sent")]: 4, [countAttribute("in_app", "deferred")]: 1, countedThrough: "9" },
      { [countAttribute("in_app", "sent")]: 3, [countAttribute("in_app", "deferred")]: -1, countedThrough: "7" },
    ];
    expect(summaryOf(items)).toEqual({ in_app: { sent: 7 } });
  });

  it("stamps a batch above the mark it found, so a change taken by an attempt that died is told from one the summary counted", () => {
    const position = (n: number) => String(n).padStart(4, "0");
    expect(summaryStamp(position(20), undefined)).toBe(position(20));
    expect(summaryStamp(position(20), position(10))).toBe(position(20));
    // A replay of records the summary already counted through: just above the mark, below any later record.
    const replay = summaryStamp(position(8), position(10));
    expect(replay > position(10) && replay < position(11)).toBe(true);
    expect(summaryStamp(position(8), replay) > replay).toBe(true);

    const change = (taken: "now" | "before", stamp: string, shard = "s-1"): TakenChange => ({ channel: "in_app", to: "sent", taken, shard, stamp });
    const changes = [change("now", position(20)), change("before", position(10)), change("before", position(15)), change("before", position(30), "s-0")];
    // Counted through 10: the change stamped 15 was taken by an attempt that died before adding it.
    expect(uncountedChanges(changes, "s-1", position(10)).map(({ taken, stamp }) => `${taken} ${stamp}`)).toEqual([`now ${position(20)}`, `before ${position(15)}`]);
    expect(uncountedChanges(changes, "s-1", undefined)).toHaveLength(3);
  });
});
