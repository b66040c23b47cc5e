import { describe, expect, it } from "vitest";
import { describeChanges, PreferenceCenterFormError, preferencesFromForm } from "#shared/domain/preference-center-form.ts";
import type { Preferences } from "#shared/domain/preferences.ts";

/** A form as the page submits it: every box the person left checked. */
function form(fields: Record<string, string | string[]>): URLSearchParams {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(fields)) for (const one of [value].flat()) params.append(name, one);
  return params;
}

const ALL_CHANNELS = ["email", "sms", "push", "in_app"];
const everything = (category: string) => ALL_CHANNELS.map((channel) => `${category}:${channel}`);

describe("the preference center's form", () => {
  it("switches one category off on one channel and says so", () => {
    const stored: Preferences = { email: "ada@example.com" };
    const next = preferencesFromForm(form({ channel: ALL_CHANNELS, category: [...everything("transactional"), "marketing:sms", "marketing:push", "marketing:in_app"], timezone: "UTC" }), stored);
    expect(next).toMatchObject({ email: "ada@example.com", categories: { marketing: { email: false, sms: true, push: true, in_app: true } } });
    expect(next.categories?.transactional).toBeUndefined();
    expect(describeChanges(stored, next)).toEqual(["News and offers by Email: off"]);
  });

  it("stores a category with every channel off as off, and keeps critical and custom categories as stored", () => {
    const stored: Preferences = { categories: { security: { sms: false }, "billing.reminders": false } };
    const next = preferencesFromForm(form({ channel: ALL_CHANNELS, category: everything("transactional"), timezone: "UTC" }), stored);
    expect(next.categories).toEqual({ security: { sms: false }, "billing.reminders": false, marketing: false });
  });

  it("sets quiet hours and a time zone, and refuses half a window", () => {
    const next = preferencesFromForm(form({ channel: ALL_CHANNELS, category: [...everything("transactional"), ...everything("marketing")], quietStart: "22:00", quietEnd: "07:00", timezone: "Europe/Lisbon" }), {});
    expect(next).toMatchObject({ quietHours: { start: "22:00", end: "07:00" }, timezone: "Europe/Lisbon" });
    expect(describeChanges({}, next)).toEqual(["Quiet hours: 22:00 to 07:00", "Time zone: Europe/Lisbon"]);
    expect(() => preferencesFromForm(form({ quietStart: "22:00", timezone: "UTC" }), {})).toThrow(PreferenceCenterFormError);
  });

  it("clears quiet hours when both times are emptied", () => {
    const next = preferencesFromForm(form({ channel: ALL_CHANNELS, category: [...everything("transactional"), ...everything("marketing")], quietStart: "", quietEnd: "", timezone: "UTC" }), { quietHours: { start: "22:00", end: "07:00" } });
    expect(next.quietHours).toBeUndefined();
  });

  it("switches a whole channel off", () => {
    const next = preferencesFromForm(form({ channel: ["email", "push", "in_app"], category: [...everything("transactional"), ...everything("marketing")], timezone: "UTC" }), {});
    expect(next.channels).toEqual({ email: true, sms: false, push: true, in_app: true });
    expect(describeChanges({}, next)).toEqual(["SMS: off"]);
  });

  it("undoes a one-click unsubscribe only when a news channel is switched back on", () => {
    const unsubscribed: Preferences = { unsubscribed: true };
    expect(preferencesFromForm(form({ channel: ALL_CHANNELS, category: everything("transactional"), timezone: "UTC" }), unsubscribed).unsubscribed).toBe(true);
    const back = preferencesFromForm(form({ channel: ALL_CHANNELS, category: [...everything("transactional"), "marketing:email"], timezone: "UTC" }), unsubscribed);
    expect(back.unsubscribed).toBeUndefined();
    expect(describeChanges(unsubscribed, back)).toEqual(["News and offers by Email: on"]);
  });

  it("reports a save that changed nothing as no change", () => {
    const stored = preferencesFromForm(form({ channel: ALL_CHANNELS, category: [...everything("transactional"), ...everything("marketing")], timezone: "UTC" }), {});
    expect(describeChanges(stored, preferencesFromForm(form({ channel: ALL_CHANNELS, category: [...everything("transactional"), ...everything("marketing")], timezone: "UTC" }), stored))).toEqual([]);
  });
});
