import type { Channel } from "./channels.ts";
import type { Preferences } from "./preferences.ts";

export type SuppressionReason = "channel_disabled" | "category_opt_out" | "unsubscribed" | "no_address";

export type DeliveryDecision = { send: true; to: string[] } | { send: false; reason: SuppressionReason };

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

/**
 * Whether this user gets a notification on this channel, and where. Preferences are read at send
 * time, so a change made after publishing still applies.
 */
export function decideDelivery(channel: Channel, userId: string, preferences: Preferences): DeliveryDecision {
  if (preferences.channels?.[channel] === false) return { send: false, reason: "channel_disabled" };
  const to = addressesFor(channel, userId, preferences);
  if (to.length === 0) return { send: false, reason: "no_address" };
  return { send: true, to };
}
