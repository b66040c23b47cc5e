import { describe, expect, it } from "vitest";
import { grantedSends, parseChannelRates, sendWindowOf, type SendLane } from "#shared/domain/send-rate.ts";
import { SendRateGate } from "#shared/adapters/send-rate-gate.ts";
import { PublishBudget } from "#shared/adapters/publish-budget.ts";

/** A clock that moves only when every pending sleep is due, so the gates run in simulated time. */
class VirtualTime {
  now = 1_000_000;
  private timers: Array<{ at: number; wake: () => void }> = [];

  sleep = (millis: number) => new Promise<void>((wake) => this.timers.push({ at: this.now + millis, wake }));

  /** Runs timers in order until `until`, letting promise chains settle between them. */
  async runUntil(until: number): Promise<void> {
    for (;;) {
      await new Promise((resolve) => setImmediate(resolve));
      this.timers.sort((a, b) => a.at - b.at);
      const next = this.timers[0];
      if (!next || next.at > until) break;
      this.timers.shift();
      this.now = Math.max(this.now, next.at);
      next.wake();
    }
    this.now = until;
  }
}

/** The windows table as DynamoDB keeps it: counts per window, the bulk lane refused in a reserved window. */
class MemoryWindows {
  readonly sends = new Map<number, number>();
  readonly reserved = new Set<number>();
  takes = 0;

  async take(_counter: string, window: number, count: number, limit: number, lane: SendLane): Promise<number> {
    this.takes += 1;
    if (lane === "bulk" && this.reserved.has(window)) return 0;
    const after = (this.sends.get(window) ?? 0) + count;
    this.sends.set(window, after);
    return grantedSends(after, count, limit);
  }

  async reserveForTransactional(_counter: string, window: number): Promise<void> {
    this.reserved.add(window);
  }
}

function gates(count: number, limit: number, time: VirtualTime, windows: MemoryWindows) {
  return Array.from({ length: count }, (_, index) => new SendRateGate(windows, { channel: "sms", limit, now: () => time.now, sleep: time.sleep, random: () => (index % 10) / 10 }));
}

describe("send rate domain", () => {
  it("grants what the window still had room for", () => {
    expect(grantedSends(4, 4, 10)).toBe(4);
    expect(grantedSends(12, 4, 10)).toBe(2);
    expect(grantedSends(15, 4, 10)).toBe(0);
  });

  it("parses notify:channelRates as an object or its JSON, naming what is wrong", () => {
    expect(parseChannelRates({ email: 14 })).toEqual({ email: 14 });
    expect(parseChannelRates('{"sms": 20}')).toEqual({ sms: 20 });
    expect(() => parseChannelRates({ fax: 3 })).toThrow(/notify:channelRates.*fax/);
    expect(() => parseChannelRates({ email: 0 })).toThrow(/email/);
    expect(() => parseChannelRates("{email: 14")).toThrow(/is not JSON/);
  });
});

describe("SendRateGate", () => {
  it("answers a batch's records with one take from the window", async () => {
    const time = new VirtualTime();
    const windows = new MemoryWindows();
    const [gate] = gates(1, 10, time, windows);
    const admitted = Array.from({ length: 8 }, () => gate!.admit("transactional", time.now + 10_000));
    await time.runUntil(time.now + 100);
    expect(await Promise.all(admitted)).toEqual(Array(8).fill(true));
    expect(windows.takes).toBe(1);
  });

  it("never grants more than the limit in a window across many workers, and keeps every window full under a backlog", async () => {
    const time = new VirtualTime();
    const windows = new MemoryWindows();
    const workers = gates(6, 14, time, windows);
    const started = time.now;
    const admitted = workers.flatMap((gate) => Array.from({ length: 100 }, () => gate.admit("transactional", started + 120_000)));
    await time.runUntil(started + 60_000);
    expect(await Promise.all(admitted)).toEqual(Array(600).fill(true));
    const granted = [...windows.sends.keys()].map((window) => Math.min(14, windows.sends.get(window)!));
    // 600 sends at 14 a second: 42 full windows and one of 12, none over the limit.
    expect(granted.filter((count) => count === 14)).toHaveLength(42);
    expect(granted.reduce((sum, count) => sum + count, 0)).toBe(600);
    expect(sendWindowOf(time.now)).toBeGreaterThan(sendWindowOf(started) + 42);
  });

  it("sends transactional records first: the bulk lane takes nothing from a window they reserved", async () => {
    const time = new VirtualTime();
    const windows = new MemoryWindows();
    const [transactional, bulk] = gates(2, 10, time, windows);
    const started = time.now;
    const order: SendLane[] = [];
    const watch = (lane: SendLane, admitted: Promise<boolean>) => admitted.then((ok) => ok && order.push(lane));
    const bulkDone = Array.from({ length: 30 }, () => watch("bulk", bulk!.admit("bulk", started + 120_000)));
    await time.runUntil(started + 1_100);
    const transactionalDone = Array.from({ length: 30 }, () => watch("transactional", transactional!.admit("transactional", started + 120_000)));
    await time.runUntil(started + 20_000);
    await Promise.all([...bulkDone, ...transactionalDone]);
    const lastTransactional = order.lastIndexOf("transactional");
    // Bulk had the first window (and whatever the second had left); once transactional records wait, they all go before the rest of the bulk.
    expect(order.slice(0, lastTransactional + 1).filter((lane) => lane === "bulk").length).toBeLessThanOrEqual(20);
    expect(order.slice(lastTransactional + 1).every((lane) => lane === "bulk")).toBe(true);
    expect(order.filter((lane) => lane === "bulk")).toHaveLength(30);
  });

  it("answers false to a record whose deadline comes before the next window with room", async () => {
    const time = new VirtualTime();
    const windows = new MemoryWindows();
    const [gate] = gates(1, 2, time, windows);
    const admitted = Array.from({ length: 5 }, () => gate!.admit("transactional", time.now + 1_500));
    await time.runUntil(time.now + 5_000);
    // Two in the first window, two in the second; the fifth would need a third window, past its deadline.
    expect(await Promise.all(admitted)).toEqual([true, true, true, true, false]);
  });

  it("fails every waiting record when the windows table cannot be reached", async () => {
    const time = new VirtualTime();
    const failing = { take: async () => Promise.reject(new Error("ProvisionedThroughputExceededException")), reserveForTransactional: async () => {} };
    const gate = new SendRateGate(failing, { channel: "sms", limit: 5, now: () => time.now, sleep: time.sleep });
    const answered = Promise.allSettled([gate.admit("bulk", time.now + 10_000), gate.admit("bulk", time.now + 10_000)]);
    await time.runUntil(time.now + 100);
    const answers = await answered;
    expect(answers.map((answer) => answer.status === "rejected" && (answer.reason as Error).message)).toEqual(["ProvisionedThroughputExceededException", "ProvisionedThroughputExceededException"]);
    // The gate recovers: a later record takes again.
    const later = expect(gate.admit("bulk", time.now + 10_000)).rejects.toThrow(/ProvisionedThroughput/);
    await time.runUntil(time.now + 100);
    await later;
  });
});

describe("PublishBudget, broadcast expansion's shared rate", () => {
  it("holds expanders together to the rate, a page taking from the next window what this one lacks", async () => {
    const time = new VirtualTime();
    const windows = new MemoryWindows();
    const expanders = Array.from({ length: 4 }, () => new PublishBudget(windows, { ratePerSecond: 500, now: () => time.now, sleep: time.sleep, random: () => 0 }));
    const started = time.now;
    const finished: number[] = [];
    // Four expanders, five pages of 200 each: 4,000 messages at 500/s is eight windows.
    const done = expanders.map(async (budget) => {
      for (let page = 0; page < 5; page++) await budget.acquire(200);
      finished.push(time.now);
    });
    await time.runUntil(started + 20_000);
    await Promise.all(done);
    const granted = [...windows.sends.values()].map((count) => Math.min(500, count));
    expect(granted.reduce((sum, count) => sum + count, 0)).toBe(4_000);
    expect(granted.every((count) => count <= 500)).toBe(true);
    expect(Math.max(...finished) - started).toBeGreaterThanOrEqual(7_000);
    expect(Math.max(...finished) - started).toBeLessThan(9_000);
  });

  it("lets a lone expander use the whole rate", async () => {
    const time = new VirtualTime();
    const budget = new PublishBudget(new MemoryWindows(), { ratePerSecond: 1_000, now: () => time.now, sleep: time.sleep, random: () => 0 });
    const started = time.now;
    let finishedAt = Number.NaN;
    const done = (async () => {
      for (let page = 0; page < 6; page++) await budget.acquire(200);
      finishedAt = time.now;
    })();
    await time.runUntil(started + 5_000);
    await done;
    // 1,200 messages at 1,000/s: five pages in the first window, the sixth in the next.
    expect(finishedAt - started).toBeGreaterThan(0);
    expect(finishedAt - started).toBeLessThanOrEqual(1_000);
  });
});
