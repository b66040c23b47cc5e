export const CHANNELS = ["email", "sms", "push", "in_app"] as const;
export type Channel = (typeof CHANNELS)[number];

export function isChannel(value: unknown): value is Channel {
  return typeof value === "string" && (CHANNELS as readonly string[]).includes(value);
}

/** A channel as the stack's construct ids and output keys spell it (in_app → InApp, so InAppQueueUrl). */
export function channelOutputPrefix(channel: Channel): string {
  return channel.split("_").map((part) => part[0]!.toUpperCase() + part.slice(1)).join("");
}
