import type { ChannelMessage } from "../domain/channel-message.ts";
import type { Channel } from "../domain/channels.ts";
import { digestKeyValue, digestScopeKey, type DigestScope } from "../domain/digest-window.ts";
import { MAX_THROTTLE_MAX, throttleDecision, throttleWindowOf, type ThrottleRule } from "../domain/throttle.ts";
import type { TemplateDefinition } from "../domain/templates/template-definition.ts";
import type { DigestMembers } from "../adapters/stores/digest-members.ts";
import { windowMember, type DigestWindows } from "../adapters/stores/digest-windows.ts";
import type { ThrottleCounters } from "../adapters/stores/throttle-counters.ts";

export interface GroupingDependencies {
  throttles: Pick<ThrottleCounters, "position">;
  digestMembers: Pick<DigestMembers, "hold">;
  digestWindows: Pick<DigestWindows, "join">;
  now: () => number;
}

/** What a digest made of a delivery; undefined when it is sent as usual. */
export type Grouping =
  | { status: "digested"; reason: string }
  | { status: "canceled" }
  /** Another message for it already went another way (it was sent or released): nothing to do. */
  | { status: "settled" };

/** A throttle window's counter is kept a day past the window, then TTL takes it. */
const THROTTLE_RETENTION_SECONDS = 24 * 3600;

function scopeOf(message: ChannelMessage, channel: Channel, type: string, key: string | undefined): DigestScope {
  return { type, userId: message.userId, channel, keyValue: digestKeyValue({ windowMinutes: 1, ...(key === undefined ? {} : { key }) }, message.data) };
}

/** Whether this delivery is past its template's throttle: its position in the window, counted once per notification. */
export async function pastThrottle(message: ChannelMessage, channel: Channel, type: string, rule: ThrottleRule, deps: Pick<GroupingDependencies, "throttles" | "now">): Promise<boolean> {
  // A version stored before max was bounded keeps within what one counter item can hold.
  const throttle = { ...rule, max: Math.min(rule.max, MAX_THROTTLE_MAX) };
  const window = throttleWindowOf(deps.now(), throttle);
  const expiresAt = Math.floor(((window + 1) * throttle.perMinutes * 60_000) / 1000) + THROTTLE_RETENTION_SECONDS;
  const position = await deps.throttles.position(digestScopeKey(scopeOf(message, channel, type, throttle.key)), window, message.notificationId, throttle.max, expiresAt);
  return throttleDecision(position, throttle, false) !== "send";
}

/**
 * A delivery of a template with a digest: within its throttle's max (when it has one) it is sent as
 * usual (undefined); otherwise it joins the open window of its scope, opening one when there is
 * none. Preferences, quiet hours and rates apply to the digest when it is sent. A digest's own
 * message is never grouped again, nor is a broadcast's. (A throttle without a digest is checked after the preferences,
 * with pastThrottle, so only what would be sent counts.)
 */
export async function joinDigest(message: ChannelMessage, channel: Channel, template: Pick<TemplateDefinition, "type" | "digest" | "throttle">, deps: GroupingDependencies): Promise<Grouping | undefined> {
  const { digest, throttle } = template;
  // A broadcast's rows live on its row shards, which a window's release cannot name: it is sent as it comes.
  if (message.digest || !digest || message.audience !== undefined) return undefined;
  if (throttle && !(await pastThrottle(message, channel, template.type, throttle, deps))) return undefined;

  const key = { notificationId: message.notificationId, userId: message.userId, channel };
  const held = await deps.digestMembers.hold(key, { data: message.data, at: message.publishedAt });
  if (held === "canceled") return { status: "canceled" };
  if (held !== "held") return { status: "settled" };
  const windowId = await deps.digestWindows.join(scopeOf(message, channel, template.type, digest.key), windowMember(message), { category: message.category, priority: message.priority }, digest.windowMinutes, deps.now());
  return { status: "digested", reason: windowId };
}
