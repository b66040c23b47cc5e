import { describe, expect, it } from "vitest";
import { ProviderFaults } from "#infra/local/provider-faults.ts";

describe("ProviderFaults", () => {
  it("fails the share of sends its rate says, on its channel only", () => {
    const draws = [0.1, 0.9, 0.95];
    const faults = new ProviderFaults(() => draws.shift()!);
    faults.add({ channel: "sms", kind: "transient", rate: 0.3 });
    expect([faults.draw("sms"), faults.draw("sms"), faults.draw("email"), faults.draw("sms")]).toEqual(["transient", undefined, undefined, undefined]);
  });

  it("retires a rule after `times` faults and counts what it injected", () => {
    const faults = new ProviderFaults(() => 0);
    faults.add({ channel: "*", kind: "throttle", rate: 1, times: 2 });
    expect([faults.draw("push"), faults.draw("email"), faults.draw("push")]).toEqual(["throttle", "throttle", undefined]);
    expect(faults.injected).toEqual({ throttle: 2 });
    expect(faults.active).toEqual([]);
  });

  it("refuses an unknown kind or a rate outside 0..1", () => {
    const faults = new ProviderFaults();
    expect(() => faults.add({ channel: "sms", kind: "gremlins" as never, rate: 1 })).toThrow(/kind/);
    expect(() => faults.add({ channel: "sms", kind: "transient", rate: 2 })).toThrow(/rate/);
  });
});

describe("ProviderFaults invocation crashes", () => {
  it("draws crash_worker and crash_sweep per invocation, never for a provider send", () => {
    const faults = new ProviderFaults(() => 0);
    faults.add({ channel: "in_app", kind: "crash_worker", rate: 1, times: 1 });
    faults.add({ channel: "sweeper", kind: "crash_sweep", rate: 1, times: 1 });
    expect(faults.draw("in_app")).toBeUndefined();
    expect(faults.drawPerInvocation("crash_worker", "push")).toBe(false);
    expect(faults.drawPerInvocation("crash_worker", "in_app")).toBe(true);
    expect(faults.drawPerInvocation("crash_worker", "in_app")).toBe(false);
    expect(faults.drawPerInvocation("crash_sweep", "sweeper")).toBe(true);
    expect(faults.injected).toEqual({ crash_worker: 1, crash_sweep: 1 });
  });

  it("refuses an invocation crash on the wrong channel", () => {
    const faults = new ProviderFaults();
    expect(() => faults.add({ channel: "email", kind: "crash_sweep", rate: 1 })).toThrow(/crash_sweep is for channel sweeper only/);
    expect(() => faults.add({ channel: "sweeper", kind: "transient", rate: 1 })).toThrow(/channel sweeper takes only crash_sweep/);
    expect(() => faults.add({ channel: "*", kind: "crash_worker", rate: 1 })).toThrow(/one provider channel/);
  });

  it("draws the stream's replays and repeats per batch, on the stream only", () => {
    const faults = new ProviderFaults(() => 0);
    faults.add({ channel: "stream", kind: "replay_batch", rate: 1, times: 1 });
    faults.add({ channel: "stream", kind: "duplicate_record", rate: 1, times: 1 });
    expect(faults.draw("stream")).toBeUndefined();
    expect(faults.drawPerInvocation("duplicate_record", "stream")).toBe(true);
    expect(faults.drawPerInvocation("replay_batch", "stream")).toBe(true);
    expect(faults.drawPerInvocation("replay_batch", "stream")).toBe(false);
    expect(() => faults.add({ channel: "email", kind: "replay_batch", rate: 1 })).toThrow(/replay_batch is for channel stream only/);
    expect(() => faults.add({ channel: "stream", kind: "timeout", rate: 1 })).toThrow(/channel stream takes only replay_batch, duplicate_record/);
  });
});
