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
