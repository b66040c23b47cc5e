import type { Channel } from "#shared/domain/channels.ts";

/** A channel as the stack's construct ids and output keys spell it (in_app → InApp, so InAppQueueUrl). */
export function channelOutputPrefix(channel: Channel): string {
  return channel.split("_").map((part) => part[0]!.toUpperCase() + part.slice(1)).join("");
}
