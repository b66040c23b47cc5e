import { describe, expect, it } from "vitest";
import { StreamCounterDeltas, streamPosition, uncounted } from "#shared/domain/stream-counter-deltas.ts";

const bucket = { type: "order.shipped", day: "2026-12-07", channel: "email" as const, version: 1, variant: "" };

describe("stream counter deltas", () => {
  it("orders positions as the sequence numbers they come from", () => {
    expect(streamPosition("9") < streamPosition("10")).toBe(true);
    expect(streamPosition("49545115243490985018280067714973144582180062593244200961")).toHaveLength(128);
  });

  it("leaves out what an item counted through, but never a status new to its row", () => {
    const deltas = new StreamCounterDeltas();
    deltas.add(bucket, "sent", { position: streamPosition("100") });
    deltas.add(bucket, "sent", { position: streamPosition("200") });
    deltas.add({ ...bucket, channel: "in_app" }, "sent", { position: streamPosition("300") });
    deltas.add(bucket, "opened", { onceByRow: true });
    const { contributions } = deltas.entries()[0]!;

    expect(uncounted(contributions)).toEqual({
      counters: { "email:sent": 2, "in_app:sent": 1, "email:opened": 1 },
      positions: { first: streamPosition("100"), through: streamPosition("300") },
    });
    expect(uncounted(contributions, streamPosition("200"))).toEqual({ counters: { "in_app:sent": 1, "email:opened": 1 }, positions: { first: streamPosition("300"), through: streamPosition("300") } });
    expect(uncounted(contributions, streamPosition("300"))).toEqual({ counters: { "email:opened": 1 } });
    expect(uncounted(contributions.filter((contribution) => "position" in contribution), streamPosition("300"))).toBeUndefined();
  });

  it("keeps one entry per item, whatever its channels", () => {
    const deltas = new StreamCounterDeltas();
    deltas.add(bucket, "sent", { onceByRow: true });
    deltas.add({ ...bucket, channel: "sms" }, "sent", { onceByRow: true });
    deltas.add({ ...bucket, day: "2026-12-08" }, "sent", { onceByRow: true });
    expect(deltas.entries().map(({ item }) => item.day)).toEqual(["2026-12-07", "2026-12-08"]);
  });
});
