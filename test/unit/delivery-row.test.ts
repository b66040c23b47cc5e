import { describe, expect, it } from "vitest";
import { deliveryEvent, type DeliveryStatus } from "#shared/domain/delivery-event.ts";
import { changesTo, foldEvents, historyAttribute, historyOf, reasonOf, type StoredRow } from "#shared/domain/delivery-row.ts";

const at = (second: number) => new Date(Date.UTC(2026, 10, 23, 10, 0, second));
const event = (status: DeliveryStatus, second: number, attempt = 1, reason?: string) =>
  deliveryEvent({ notificationId: "n-1", type: "order.shipped", userId: "ada", channel: "email", status, attempt, ...(reason ? { reason } : {}) }, at(second));

/** The row a fold leaves when written to an empty table. */
function rowFrom(...events: ReturnType<typeof event>[]): StoredRow {
  const changes = changesTo(undefined, foldEvents(events));
  const { history, ...fields } = changes;
  return { ...fields, ...Object.fromEntries(Object.entries(history).map(([eventId, entry]) => [historyAttribute(eventId), entry])) };
}

describe("folding a delivery's events into its row", () => {
  it("makes the event with the greatest precedence the status, whatever the order", () => {
    const events = [event("sent", 1), event("opened", 5), event("delivered", 3)];
    expect(foldEvents(events).winner.status).toBe("opened");
    expect(foldEvents([...events].reverse()).winner).toEqual(foldEvents(events).winner);
  });

  it("counts the highest attempt among attempt outcomes only", () => {
    expect(foldEvents([event("dead_lettered", 1, 5), event("sent", 2, 2), event("opened", 3, 9)]).attempts).toBe(5);
    expect(foldEvents([event("delivered", 1, 3)]).attempts).toBeUndefined();
  });

  it("keeps the earliest occurrence of an eventId", () => {
    const first = event("sent", 1);
    const again = { ...first, at: at(4).toISOString() };
    expect(foldEvents([again, first]).history[first.eventId]!.at).toBe(first.at);
  });

  it("changes nothing when the row already holds every event", () => {
    const events = [event("sent", 1), event("delivered", 2)];
    expect(changesTo(rowFrom(...events), foldEvents(events))).toEqual({ history: {} });
  });

  it("adds a late event to the history and the attempts without taking the status", () => {
    const row = rowFrom(event("sent", 1, 1), event("opened", 5, 2));
    const late = event("sent", 9, 3);
    const changes = changesTo(row, foldEvents([late]));
    expect(changes).toEqual({ attempts: 3, history: { [late.eventId]: expect.objectContaining({ status: "sent", attempt: 3 }) } });
  });

  it("replaces a history entry with an earlier occurrence of the same event", () => {
    const first = event("sent", 1);
    const row = rowFrom({ ...first, at: at(4).toISOString() });
    expect(changesTo(row, foldEvents([first])).history[first.eventId]!.at).toBe(first.at);
  });

  it("gives back the events as they were put on the stream", () => {
    const events = [event("sent", 1), event("failed", 2, 2, "rejected")];
    expect(historyOf("n-1", rowFrom(...events)).sort((a, b) => a.at.localeCompare(b.at))).toEqual(events);
  });
});

describe("the reason a row reports", () => {
  it("is the window that took a digested delivery, not a later window its redelivery joined", () => {
    expect(reasonOf({ status: "digested", reason: "digest-b", digestedInto: "digest-a" })).toBe("digest-a");
    expect(reasonOf({ status: "digested", reason: "digest-b" })).toBe("digest-b");
  });

  it("is the event's reason otherwise, and none when it has none", () => {
    expect(reasonOf({ status: "canceled", reason: null, digestedInto: "digest-a" })).toBeUndefined();
    expect(reasonOf({ status: "suppressed", reason: "throttled" })).toBe("throttled");
  });
});
