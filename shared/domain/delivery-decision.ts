import { isCritical, type Category } from "./categories.ts";
import type { Channel } from "./channels.ts";
import type { Preferences } from "./preferences.ts";
import { quietHoursEnd } from "./quiet-hours.ts";

/** `throttled` is the template's throttle (deliver.ts), decided after these. */
export const SUPPRESSION_REASONS = ["channel_disabled", "category_opt_out", "unsubscribed", "no_address", "throttled"] as const;
export type SuppressionReason = (typeof SUPPRESSION_REASONS)[number];

export type DeliveryDecision =
  | { action: "send"; to: string[] }
  | { action: "suppress"; reason: SuppressionReason }
  /** Inside the user's quiet hours: hold it and send at `until`. */
  | { action: "defer"; until: number };

export interface DeliveryCase {
  channel: Channel;
  userId: string;
  category: Category;
  /** Preferences with defaults filled in. */
  preferences: Preferences;
  now: number;
  /** Already held once for quiet hours and released; not held again. */
  released?: boolean;
}

/** The address a channel sends to; in_app lands in the user's inbox, keyed by the user id itself. */
function addressesFor(channel: Channel, userId: string, preferences: Preferences): string[] {
  switch (channel) {
    case "email":
      return preferences.email ? [preferences.email] : [];
    case "sms":
      return preferences.phone ? [preferences.phone] : [];
    case "push":
      return preferences.pushEndpoints ?? [];
    case "in_app":
      return [userId];
  }
}

function optedOutOfCategory(preferences: Preferences, category: Category, channel: Channel): boolean {
  const choice = preferences.categories?.[category];
  return choice === false || (typeof choice === "object" && choice[channel] === false);
}

/**
 * Whether this user gets this notification on this channel, now, and where. The order is the
 * precedence: the channel switch is about the medium and always holds; category opt-outs and the
 * marketing unsubscribe are about content and a critical category passes them; nothing is sent
 * without an address; quiet hours hold everything but critical categories until they end.
 * Preferences are read at send time, so a change after publishing still applies.
 */
export function decideDelivery({ channel, userId, category, preferences, now, released }: DeliveryCase): DeliveryDecision {
  const critical = isCritical(category);
  if (preferences.channels?.[channel] === false) return { action: "suppress", reason: "channel_disabled" };
  if (!critical && optedOutOfCategory(preferences, category, channel)) return { action: "suppress", reason: "category_opt_out" };
  if (!critical && category === "marketing" && preferences.unsubscribed === true) return { action: "suppress", reason: "unsubscribed" };

  const to = addressesFor(channel, userId, preferences);
  if (to.length === 0) return { action: "suppress", reason: "no_address" };

  if (!critical && !released && preferences.quietHours) {
    const until = quietHoursEnd(now, preferences.timezone ?? "UTC", preferences.quietHours);
    if (until !== undefined) return { action: "defer", until };
  }
  return { action: "send", to };
}
