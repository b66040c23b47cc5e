import { describe, expect, it } from "vitest";
import type { Category } from "#shared/domain/categories.ts";
import type { Channel } from "#shared/domain/channels.ts";
import { decideDelivery, type DeliveryDecision } from "#shared/domain/delivery-decision.ts";
import { withDefaults, type Preferences } from "#shared/domain/preferences.ts";

const at = (iso: string) => Date.parse(iso);
const NOON = at("2026-11-23T12:00:00Z");
const reachable: Preferences = { email: "ada@example.com", phone: "+14155550123", pushEndpoints: ["arn:push:1"] };
const overnight = { start: "22:00", end: "07:00" };

interface Case {
  channel?: Channel;
  category?: Category;
  preferences?: Preferences;
  now?: number;
  released?: boolean;
  expected: DeliveryDecision;
}

const send = (...to: string[]): DeliveryDecision => ({ action: "send", to });
const suppress = (reason: "channel_disabled" | "category_opt_out" | "unsubscribed" | "no_address"): DeliveryDecision => ({ action: "suppress", reason });
const defer = (iso: string): DeliveryDecision => ({ action: "defer", until: at(iso) });

const cases: Record<string, Case> = {
  // Sending, and where to
  "sends email to the stored address": { expected: send("ada@example.com") },
  "sends sms to the stored phone": { channel: "sms", expected: send("+14155550123") },
  "sends push to every stored endpoint": { channel: "push", preferences: { pushEndpoints: ["a", "b"] }, expected: send("a", "b") },
  "puts in_app in the user's own inbox without any address": { channel: "in_app", preferences: {}, expected: send("u-1") },
  "sends on a channel that another channel's switch does not touch": { preferences: { ...reachable, channels: { sms: false } }, expected: send("ada@example.com") },
  "sends transactional when only marketing is opted out": { preferences: { ...reachable, categories: { marketing: false } }, expected: send("ada@example.com") },
  "sends a category on a channel its per-channel opt-out does not name": { category: "transactional", preferences: { ...reachable, categories: { transactional: { sms: false } } }, expected: send("ada@example.com") },
  "sends marketing when the user is not unsubscribed": { category: "marketing", preferences: { ...reachable, unsubscribed: false }, expected: send("ada@example.com") },
  "sends marketing email when only marketing push is opted out": { category: "marketing", preferences: { ...reachable, categories: { marketing: { push: false } } }, expected: send("ada@example.com") },
  "sends transactional to a user unsubscribed from marketing": { preferences: { ...reachable, unsubscribed: true }, expected: send("ada@example.com") },
  "treats a category switched on per channel as opted in": { category: "marketing", preferences: { ...reachable, categories: { marketing: { email: true } } }, expected: send("ada@example.com") },

  // Channel switches
  "suppresses a disabled channel": { preferences: { ...reachable, channels: { email: false } }, expected: suppress("channel_disabled") },
  "names the disabled channel rather than the missing address": { channel: "sms", preferences: { channels: { sms: false } }, expected: suppress("channel_disabled") },
  "keeps a disabled channel off even for a critical category": { category: "security", preferences: { ...reachable, channels: { email: false } }, expected: suppress("channel_disabled") },
  "keeps a disabled in_app channel off": { channel: "in_app", preferences: { channels: { in_app: false } }, expected: suppress("channel_disabled") },

  // Category opt-outs and unsubscribe
  "suppresses a whole-category opt-out": { category: "marketing", preferences: { ...reachable, categories: { marketing: false } }, expected: suppress("category_opt_out") },
  "suppresses a per-channel category opt-out": { category: "marketing", preferences: { ...reachable, categories: { marketing: { email: false } } }, expected: suppress("category_opt_out") },
  "suppresses an opted-out transactional category": { preferences: { ...reachable, categories: { transactional: false } }, expected: suppress("category_opt_out") },
  "reports the opt-out before the missing address": { category: "marketing", preferences: { categories: { marketing: false } }, expected: suppress("category_opt_out") },
  "suppresses marketing email to an unsubscribed user": { category: "marketing", preferences: { ...reachable, unsubscribed: true }, expected: suppress("unsubscribed") },
  "suppresses marketing push to an unsubscribed user": { channel: "push", category: "marketing", preferences: { ...reachable, unsubscribed: true }, expected: suppress("unsubscribed") },
  "reports the category opt-out before the unsubscribe": { category: "marketing", preferences: { ...reachable, unsubscribed: true, categories: { marketing: false } }, expected: suppress("category_opt_out") },
  "sends security through a whole-category opt-out": { category: "security", preferences: { ...reachable, categories: { security: false } }, expected: send("ada@example.com") },
  "sends security through a per-channel category opt-out": { channel: "sms", category: "security", preferences: { ...reachable, categories: { security: { sms: false } } }, expected: send("+14155550123") },
  "sends security to a globally unsubscribed user": { category: "security", preferences: { ...reachable, unsubscribed: true }, expected: send("ada@example.com") },

  // Addresses
  "suppresses email without an address": { preferences: {}, expected: suppress("no_address") },
  "suppresses sms without a phone": { channel: "sms", preferences: { email: "a@b.co" }, expected: suppress("no_address") },
  "suppresses push with an empty endpoint list": { channel: "push", preferences: { pushEndpoints: [] }, expected: suppress("no_address") },
  "never lets a critical category past a missing address": { category: "security", preferences: {}, expected: suppress("no_address") },
  "suppresses a missing address rather than holding it for quiet hours": { preferences: { quietHours: overnight }, now: at("2026-11-23T23:00:00Z"), expected: suppress("no_address") },

  // Quiet hours
  "sends outside quiet hours": { preferences: { ...reachable, quietHours: overnight }, expected: send("ada@example.com") },
  "defers before midnight in an overnight window until it ends the next morning": { preferences: { ...reachable, quietHours: overnight }, now: at("2026-11-23T23:15:00Z"), expected: defer("2026-11-24T07:00:00Z") },
  "defers after midnight in an overnight window until it ends that morning": { preferences: { ...reachable, quietHours: overnight }, now: at("2026-11-24T03:00:00Z"), expected: defer("2026-11-24T07:00:00Z") },
  "defers inside a daytime window until its end": { preferences: { ...reachable, quietHours: { start: "09:00", end: "17:00" } }, expected: defer("2026-11-23T17:00:00Z") },
  "defers at the first minute of the window": { preferences: { ...reachable, quietHours: { start: "12:00", end: "13:00" } }, expected: defer("2026-11-23T13:00:00Z") },
  "sends at the minute the window ends": { preferences: { ...reachable, quietHours: { start: "11:00", end: "12:00" } }, expected: send("ada@example.com") },
  "treats a window that starts and ends at the same time as empty": { preferences: { ...reachable, quietHours: { start: "12:00", end: "12:00" } }, expected: send("ada@example.com") },
  "reads quiet hours in the user's time zone": { preferences: { ...reachable, timezone: "America/New_York", quietHours: overnight }, now: at("2026-11-24T03:30:00Z"), expected: defer("2026-11-24T12:00:00Z") },
  "reads quiet hours in a half-hour time zone": { preferences: { ...reachable, timezone: "Asia/Kolkata", quietHours: overnight }, now: at("2026-11-23T17:00:00Z"), expected: defer("2026-11-24T01:30:00Z") },
  "ends a window at the skipped hour when clocks spring forward": { preferences: { ...reachable, timezone: "America/New_York", quietHours: { start: "22:00", end: "02:30" } }, now: at("2026-03-08T06:00:00Z"), expected: defer("2026-03-08T07:00:00Z") },
  "ends a window by the local clock when clocks fall back": { preferences: { ...reachable, timezone: "Europe/Lisbon", quietHours: { start: "01:00", end: "01:30" } }, now: at("2026-10-25T00:10:00Z"), expected: defer("2026-10-25T00:30:00Z") },
  "ends a window in summer time by the summer offset": { preferences: { ...reachable, timezone: "Europe/Lisbon", quietHours: overnight }, now: at("2026-07-01T22:00:00Z"), expected: defer("2026-07-02T06:00:00Z") },
  "defers marketing inside quiet hours": { category: "marketing", preferences: { ...reachable, quietHours: overnight }, now: at("2026-11-23T23:00:00Z"), expected: defer("2026-11-24T07:00:00Z") },
  "defers in_app inside quiet hours": { channel: "in_app", preferences: { quietHours: overnight }, now: at("2026-11-23T23:00:00Z"), expected: defer("2026-11-24T07:00:00Z") },
  "uses UTC for quiet hours when the user set no time zone": { preferences: { ...reachable, quietHours: overnight }, now: at("2026-11-23T22:00:00Z"), expected: defer("2026-11-24T07:00:00Z") },
  "sends security inside quiet hours": { category: "security", preferences: { ...reachable, quietHours: overnight }, now: at("2026-11-23T23:00:00Z"), expected: send("ada@example.com") },
  "sends a notification released from quiet hours without holding it again": { preferences: { ...reachable, quietHours: overnight }, now: at("2026-11-23T23:00:00Z"), released: true, expected: send("ada@example.com") },
  "still suppresses a released notification whose channel was disabled overnight": { preferences: { ...reachable, channels: { email: false }, quietHours: overnight }, now: at("2026-11-24T07:00:00Z"), released: true, expected: suppress("channel_disabled") },
};

describe("decideDelivery", () => {
  it(`covers at least 40 cases (${Object.keys(cases).length})`, () => {
    expect(Object.keys(cases).length).toBeGreaterThanOrEqual(40);
  });

  it.each(Object.entries(cases))("%s", (_behaviour, { channel = "email", category = "transactional", preferences = reachable, now = NOON, released, expected }) => {
    expect(decideDelivery({ channel, userId: "u-1", category, preferences: withDefaults(preferences), now, released })).toEqual(expected);
  });
});
