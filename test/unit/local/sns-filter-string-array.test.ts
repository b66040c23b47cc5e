import { describe, expect, it } from "vitest";
import { matchesFilterPolicy } from "#infra/local/sns-filter-string-array.ts";

const array = (values: unknown[]) => ({ DataType: "String.Array", StringValue: JSON.stringify(values) });
const string = (value: string) => ({ DataType: "String", StringValue: value });

// AWS: "If the message attribute is an array, the policy matches if any element matches."
describe("SNS filter matching with String.Array attributes (AWS semantics)", () => {
  const channelPolicy = { kind: ["direct"], channels: ["email"] };

  it("matches when one element of the array equals an allowed value", () => {
    expect(matchesFilterPolicy(channelPolicy, { kind: string("direct"), channels: array(["sms", "email"]) })).toBe(true);
  });

  it("does not match when no element is allowed", () => {
    expect(matchesFilterPolicy(channelPolicy, { kind: string("direct"), channels: array(["sms", "push"]) })).toBe(false);
  });

  it("still requires every other key to match", () => {
    expect(matchesFilterPolicy(channelPolicy, { kind: string("broadcast"), channels: array(["email"]) })).toBe(false);
  });

  it("applies prefix and numeric operators element by element", () => {
    expect(matchesFilterPolicy({ tags: [{ prefix: "ord" }] }, { tags: array(["user", "order"]) })).toBe(true);
    expect(matchesFilterPolicy({ sizes: [{ numeric: [">", 10] }] }, { sizes: array([1, 20]) })).toBe(true);
    expect(matchesFilterPolicy({ sizes: [{ numeric: [">", 100] }] }, { sizes: array([1, 20]) })).toBe(false);
  });

  it("evaluates $or groups with array attributes", () => {
    const policy = { $or: [{ channels: ["sms"] }, { kind: ["broadcast"] }] };
    expect(matchesFilterPolicy(policy, { kind: string("direct"), channels: array(["email", "sms"]) })).toBe(true);
    expect(matchesFilterPolicy(policy, { kind: string("direct"), channels: array(["email"]) })).toBe(false);
  });

  it("leaves plain String attributes to fauxqs's own matching", () => {
    expect(matchesFilterPolicy({ kind: ["direct"] }, { kind: string("direct") })).toBe(true);
    expect(matchesFilterPolicy({ kind: [{ "anything-but": ["direct"] }] }, { kind: string("direct") })).toBe(false);
  });
});
