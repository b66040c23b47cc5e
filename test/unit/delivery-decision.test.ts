import { describe, expect, it } from "vitest";
import { decideDelivery } from "#shared/delivery-decision.ts";
import { withDefaults, type Preferences } from "#shared/preferences.ts";

const reachable: Preferences = { email: "ada@example.com", phone: "+14155550123", pushEndpoints: ["arn:aws:sns:us-east-1:1:endpoint/GCM/app/1"] };

describe("decideDelivery", () => {
  it.each([
    ["sends email to the stored address", "email", reachable, { send: true, to: ["ada@example.com"] }],
    ["sends sms to the stored phone", "sms", reachable, { send: true, to: ["+14155550123"] }],
    ["sends push to every endpoint", "push", { ...reachable, pushEndpoints: ["a", "b"] }, { send: true, to: ["a", "b"] }],
    ["puts in_app in the user's own inbox", "in_app", {}, { send: true, to: ["u-1"] }],
    ["suppresses a disabled channel", "email", { ...reachable, channels: { email: false } }, { send: false, reason: "channel_disabled" }],
    ["suppresses a disabled channel even without an address", "sms", { channels: { sms: false } }, { send: false, reason: "channel_disabled" }],
    ["suppresses email without an address", "email", {}, { send: false, reason: "no_address" }],
    ["suppresses sms without a phone", "sms", { email: "a@b.co" }, { send: false, reason: "no_address" }],
    ["suppresses push with an empty endpoint list", "push", { pushEndpoints: [] }, { send: false, reason: "no_address" }],
    ["sends on a channel another channel's switch does not touch", "email", { ...reachable, channels: { sms: false } }, { send: true, to: ["ada@example.com"] }],
  ] as const)("%s", (_name, channel, preferences, expected) => {
    expect(decideDelivery(channel, "u-1", withDefaults(preferences as Preferences))).toEqual(expected);
  });

  it("lets a user with no preferences receive in_app only", () => {
    const defaults = withDefaults(undefined);
    expect(["email", "sms", "push", "in_app"].map((channel) => decideDelivery(channel as "email", "u", defaults).send)).toEqual([false, false, false, true]);
  });
});
