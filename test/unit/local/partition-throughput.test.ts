import { describe, expect, it } from "vitest";
import { PartitionThroughput, partitionLimits } from "#infra/local/partition-throughput.ts";

/** A throughput counter on a clock the test moves. */
function counter(scale = 1) {
  const clock = { now: 10_000 };
  return { clock, throughput: new PartitionThroughput(partitionLimits(scale), () => clock.now) };
}

describe("DynamoDB's per-partition throughput on the local cloud", () => {
  it("refuses a key's writes once its second has taken 1,000 units, and admits them again the next second", () => {
    const { clock, throughput } = counter();
    expect(throughput.admits("deliveries", "n-1", "write")).toBe(true);
    throughput.consume("deliveries", "n-1", "write", 999);
    expect(throughput.admits("deliveries", "n-1", "write")).toBe(true);
    throughput.consume("deliveries", "n-1", "write", 1);
    expect(throughput.admits("deliveries", "n-1", "write")).toBe(false);
    // Another key, and the same key's reads, have their own budgets.
    expect(throughput.admits("deliveries", "n-2", "write")).toBe(true);
    expect(throughput.admits("deliveries", "n-1", "read")).toBe(true);
    clock.now += 1_000;
    expect(throughput.admits("deliveries", "n-1", "write")).toBe(true);
  });

  it("refuses reads past 3,000 units, and scales both limits", () => {
    const { throughput } = counter(0.1);
    expect(throughput.limits).toEqual({ readUnitsPerSecond: 300, writeUnitsPerSecond: 100 });
    throughput.consume("inbox", "ada", "read", 300);
    expect(throughput.admits("inbox", "ada", "read")).toBe(false);
    throughput.consume("inbox", "ada", "write", 99);
    expect(throughput.admits("inbox", "ada", "write")).toBe(true);
  });

  it("reports each table's hottest keys by their busiest second, with what was refused", () => {
    const { clock, throughput } = counter();
    throughput.consume("deliveries", "hot", "write", 1_200);
    expect(throughput.admits("deliveries", "hot", "write")).toBe(false);
    throughput.refused("deliveries");
    clock.now += 1_000;
    throughput.consume("deliveries", "hot", "write", 300);
    throughput.consume("deliveries", "cool", "write", 5);
    const report = throughput.report();
    expect(report.tables.deliveries!.throttledRequests).toBe(1);
    expect(report.tables.deliveries!.hottest.map((key) => [key.key, key.peakWriteUnitsPerSecond, key.writeUnits, key.throttledWrites])).toEqual([
      ["hot", 1_200, 1_500, 1],
      ["cool", 5, 5, 0],
    ]);
  });

  it("forgets quiet keys but keeps the hottest of them, so its memory stays flat", () => {
    const { clock, throughput } = counter();
    throughput.consume("dedup", "peak", "write", 50);
    for (let index = 0; index < 20_000; index++) {
      if (index % 1_000 === 0) clock.now += 5_000;
      throughput.consume("dedup", `claim-${index}`, "write", 1);
    }
    const hottest = throughput.report().tables.dedup!.hottest;
    expect(hottest[0]).toMatchObject({ key: "peak", peakWriteUnitsPerSecond: 50 });
    expect(hottest).toHaveLength(5);
  });

  it("starts counting again after a reset", () => {
    const { throughput } = counter();
    throughput.consume("deliveries", "n-1", "write", 10);
    throughput.reset();
    expect(throughput.report().tables).toEqual({});
  });
});
