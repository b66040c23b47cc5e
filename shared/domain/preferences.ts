import { z } from "zod";
import { CHANNELS, type Channel } from "./channels.ts";

const channelSwitches = z.strictObject(Object.fromEntries(CHANNELS.map((channel) => [channel, z.boolean().optional()])) as Record<Channel, z.ZodOptional<z.ZodBoolean>>);

function isIanaTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const clockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "must be HH:MM (24-hour)");

export const preferencesSchema = z.strictObject({
  email: z.email().max(254).optional(),
  phone: z.string().regex(/^\+[1-9]\d{1,14}$/, "must be an E.164 number such as +14155550123").optional(),
  pushEndpoints: z.array(z.string().min(1).max(1024)).max(10).optional(),
  timezone: z.string().refine(isIanaTimeZone, "must be an IANA time zone such as Europe/Lisbon").optional(),
  locale: z.string().regex(/^[a-z]{2,3}(-[A-Z]{2})?$/, "must be a locale such as en or pt-BR").optional(),
  channels: channelSwitches.optional(),
  categories: z.record(z.string().min(1).max(64), z.union([z.literal(false), channelSwitches])).optional(),
  quietHours: z.strictObject({ start: clockTime, end: clockTime }).optional(),
  unsubscribed: z.boolean().optional(),
  /**
   * Why a channel was switched off by provider feedback (a hard bounce or a complaint) and when.
   * Written by the stack; accepted on PUT so what GET returns can be sent back unchanged.
   */
  channelSuppressions: z
    .partialRecord(z.enum(CHANNELS), z.strictObject({ reason: z.enum(["hard_bounce", "complaint"]), at: z.iso.datetime() }))
    .optional(),
});
export type Preferences = z.infer<typeof preferencesSchema>;

/** A user nobody has configured: every channel on, no addresses, so only in_app can reach them. */
export function defaultPreferences(): Preferences {
  return { timezone: "UTC", locale: "en", channels: { email: true, sms: true, push: true, in_app: true } };
}

/** Fills the defaults in under what the user stored, as GET returns it. */
export function withDefaults(stored: Preferences | undefined): Preferences {
  const defaults = defaultPreferences();
  return { ...defaults, ...stored, channels: { ...defaults.channels, ...stored?.channels } };
}

/**
 * Channels the stack switched off after a hard bounce or complaint that `next` would switch back
 * on. Only the application may lift a suppression (it knows whether the address was fixed); from
 * the browser, mailing a bounced address again would raise the account's bounce rate until the
 * provider pauses sending for every user.
 */
export function liftedSuppressions(stored: Preferences | undefined, next: Preferences): Array<{ channel: Channel; reason: string; at: string }> {
  const suppressions = stored?.channelSuppressions ?? {};
  return CHANNELS.flatMap((channel) => {
    const suppression = suppressions[channel];
    if (!suppression || withDefaults(next).channels?.[channel] === false) return [];
    return [{ channel, ...suppression }];
  });
}
