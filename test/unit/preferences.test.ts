import { describe, expect, it } from "vitest";
import { liftedSuppressions, preferencesSchema, withDefaults } from "#shared/domain/preferences.ts";

function issuePaths(input: unknown): string[] {
  const result = preferencesSchema.safeParse(input);
  return result.success ? [] : result.error.issues.map((issue) => issue.path.join("."));
}

describe("preferencesSchema", () => {
  it("accepts the full shape", () => {
    expect(
      issuePaths({
        email: "ada@example.com",
        phone: "+351912345678",
        pushEndpoints: ["arn:aws:sns:eu-west-1:1:endpoint/APNS/app/x"],
        timezone: "Europe/Lisbon",
        locale: "pt-BR",
        channels: { sms: false },
        categories: { marketing: false, transactional: { push: false } },
        quietHours: { start: "22:00", end: "07:30" },
        unsubscribed: false,
      }),
    ).toEqual([]);
  });

  it.each([
    ["a phone without country code", { phone: "912345678" }, "phone"],
    ["a time zone that does not exist", { timezone: "Mars/Olympus" }, "timezone"],
    ["an unknown channel switch", { channels: { fax: true } }, "channels"],
    ["quiet hours past 23:59", { quietHours: { start: "24:00", end: "07:00" } }, "quietHours.start"],
    ["an address that is not an email", { email: "not-an-email" }, "email"],
  ])("rejects %s", (_name, input, path) => {
    expect(issuePaths(input)).toContain(path);
  });

  it("fills defaults under what the user stored", () => {
    expect(withDefaults({ channels: { sms: false } })).toMatchObject({ timezone: "UTC", locale: "en", channels: { email: true, sms: false, push: true, in_app: true } });
  });
});

describe("liftedSuppressions", () => {
  const bounced = { channels: { email: false }, channelSuppressions: { email: { reason: "hard_bounce" as const, at: "2026-12-07T10:00:00.000Z" } } };

  it("names a suppressed channel switched back on, explicitly or by dropping the switches", () => {
    expect(liftedSuppressions(bounced, { ...bounced, channels: { email: true } })).toEqual([{ channel: "email", reason: "hard_bounce", at: "2026-12-07T10:00:00.000Z" }]);
    expect(liftedSuppressions(bounced, { channelSuppressions: bounced.channelSuppressions }).map(({ channel }) => channel)).toEqual(["email"]);
  });

  it("lets every other change through", () => {
    expect(liftedSuppressions(bounced, { ...bounced, channels: { email: false, sms: false }, timezone: "Europe/Lisbon" })).toEqual([]);
    expect(liftedSuppressions({ channels: { email: false } }, { channels: { email: true } })).toEqual([]);
    expect(liftedSuppressions(undefined, {})).toEqual([]);
  });
});
