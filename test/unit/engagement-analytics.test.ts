import { describe, expect, it } from "vitest";
import { acceptedDeltas, analyticsRows, counterOf, CounterDeltas, itemKey, parseItemKey, type AnalyticsBucket, type AnalyticsItem } from "#shared/domain/engagement-analytics.ts";
import { firstReached, historyAttribute, type HistoryEntry } from "#shared/domain/delivery-row.ts";

const bucket = (fields: Partial<AnalyticsBucket> = {}): AnalyticsBucket => ({ type: "team.news", day: "2026-12-06", channel: "email", version: 2, variant: "", ...fields });
const item = (fields: Partial<AnalyticsItem> = {}): AnalyticsItem => ({ type: "team.news", day: "2026-12-06", version: 2, variant: "", ...fields });
const entry = (status: HistoryEntry["status"], at = "2026-12-06T10:00:00.000Z", reason?: string): HistoryEntry => ({ type: "team.news", status, at, attempt: 1, ...(reason ? { reason } : {}) });

describe("engagement counters", () => {
  it("keys an item by day first, so a date range is one key range, and reads it back", () => {
    const key = itemKey(item({ variant: "warm" }));
    expect(key).toBe("2026-12-06#000002#warm");
    expect(parseItemKey("team.news", key)).toEqual(item({ variant: "warm" }));
  });

  it("counts the funnel's outcomes and suppressions by reason, and nothing else", () => {
    expect(counterOf("opened", undefined)).toBe("opened");
    expect(counterOf("suppressed", "quiet_hours")).toBe("suppressed:quiet_hours");
    expect(counterOf("deferred", "quiet_hours")).toBeUndefined();
    expect(counterOf("digested", "digest-1")).toBeUndefined();
  });

  it("adds a batch's counts into one entry per item, every channel's in it", () => {
    const deltas = new CounterDeltas();
    deltas.add(bucket(), "sent");
    deltas.add(bucket(), "sent");
    deltas.add(bucket({ channel: "in_app" }), "opened");
    deltas.add(bucket({ variant: "warm" }), "suppressed:unsubscribed");
    expect(deltas.entries()).toEqual([
      { item: item(), counters: { "email:sent": 2, "in_app:opened": 1 } },
      { item: item({ variant: "warm" }), counters: { "email:suppressed:unsubscribed": 1 } },
    ]);
  });

  it("counts each recipient's deliveries as accepted in the variant its worker will assign", () => {
    const notification = { notificationId: "n-1", type: "team.news", userIds: ["ada", "bo", "cy", "dee"], channels: ["email" as const, "in_app" as const], templateVersion: 3 };
    const entries = acceptedDeltas(notification, [{ name: "a", weight: 1, locales: {} }, { name: "b", weight: 1, locales: {} }], "2026-12-06T10:00:00.000Z").entries();
    expect(entries.reduce((sum, { counters }) => sum + counters["email:accepted"]! + counters["in_app:accepted"]!, 0)).toBe(8);
    expect(new Set(entries.map(({ item: { variant } }) => variant))).toEqual(new Set(["a", "b"]));
    expect(acceptedDeltas(notification, undefined, "2026-12-06T10:00:00.000Z").entries()).toEqual([{ item: { type: "team.news", day: "2026-12-06", version: 3, variant: "" }, counters: { "email:accepted": 4, "in_app:accepted": 4 } }]);
  });

  it("sums buckets into rows by the asked dimensions, with rates from the counts", () => {
    const rows = analyticsRows(
      [
        { item: item(), counters: { "email:accepted": 10, "email:sent": 10, "email:delivered": 8, "email:opened": 4, "email:clicked": 1, "email:suppressed:unsubscribed": 2, "in_app:sent": 10, "in_app:opened": 5 } },
        { item: item({ day: "2026-12-07" }), counters: { "email:sent": 10, "email:delivered": 8, "email:opened": 2 } },
      ],
      ["channel"],
    );
    expect(rows).toEqual([
      { type: "team.news", channel: "email", accepted: 10, sent: 20, delivered: 16, opened: 6, clicked: 1, bounced: 0, complained: 0, failed: 0, suppressed: { unsubscribed: 2 }, deliveryRate: 0.8, openRate: 0.375, clickRate: 0.0625 },
      { type: "team.news", channel: "in_app", accepted: 0, sent: 10, delivered: 0, opened: 5, clicked: 0, bounced: 0, complained: 0, failed: 0, suppressed: {}, deliveryRate: null, openRate: 0.5, clickRate: 0 },
    ]);
    expect(analyticsRows([], [])).toEqual([]);
    expect(analyticsRows([{ item: item(), counters: { "sms:accepted": 3 } }], [])[0]).toMatchObject({ accepted: 3, deliveryRate: null, openRate: null });
  });
});

describe("the statuses a row reaches for the first time", () => {
  it("are those its history did not hold, each once, with its earliest event", () => {
    const row = { [historyAttribute("e1")]: entry("sent") };
    expect(firstReached(row, { e2: entry("sent", "2026-12-06T10:01:00.000Z"), e3: entry("delivered", "2026-12-06T10:02:00.000Z"), e4: entry("delivered", "2026-12-06T10:01:30.000Z") })).toEqual([entry("delivered", "2026-12-06T10:01:30.000Z")]);
    expect(firstReached(undefined, { e1: entry("suppressed", undefined, "unsubscribed") })).toEqual([entry("suppressed", undefined, "unsubscribed")]);
  });
});
