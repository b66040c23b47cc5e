import { z } from "zod";
import type { MessageKind } from "./channel-message.ts";
import { CHANNELS } from "./channels.ts";

/**
 * `notify:channelRates`: the most messages a second each named channel sends, across all of its
 * workers and lanes, e.g. SES's sending rate or an SMS number's throughput.
 */
export const channelRatesSchema = z.partialRecord(z.enum(CHANNELS), z.number().int().positive().max(100_000));
export type ChannelRates = z.infer<typeof channelRatesSchema>;

/** Transactional messages (the channel's direct queues) are sent before a broadcast's (its bulk lane). */
export type SendLane = "transactional" | "bulk";

export function sendLaneOf(kind: MessageKind): SendLane {
  return kind === "broadcast" ? "bulk" : "transactional";
}

/** The rate is counted in fixed one-second windows shared by every worker of the channel. */
export const SEND_WINDOW_MILLIS = 1000;

export function sendWindowOf(instant: number): number {
  return Math.floor(instant / SEND_WINDOW_MILLIS);
}

export function sendWindowStart(window: number): number {
  return window * SEND_WINDOW_MILLIS;
}

/** Up to this many milliseconds after a window opens, a waiting sender takes from it. */
const WINDOW_JITTER_MILLIS = 50;

/** When a sender waiting for room takes again: just after the next window opens, spread so waiting senders do not all take at once. */
export function nextTakeAt(window: number, random: () => number): number {
  return sendWindowStart(window + 1) + random() * WINDOW_JITTER_MILLIS;
}

/**
 * How many of `requested` sends a take was granted, given the window's count after the take added
 * them: whatever the window still had room for. A take that finds the window full adds to the count
 * beyond the limit, which only wastes that window's room, never exceeds it.
 */
export function grantedSends(countAfter: number, requested: number, limit: number): number {
  return Math.max(0, Math.min(requested, limit - (countAfter - requested)));
}

/** Parses the context value, an object or its JSON, naming what is wrong. */
export function parseChannelRates(value: unknown): ChannelRates {
  const expected = `notify:channelRates must map channels (${CHANNELS.join(", ")}) to whole messages per second, e.g. {"email": 14}`;
  let rates = value;
  if (typeof value === "string") {
    try {
      rates = JSON.parse(value);
    } catch {
      throw new Error(`${expected}; ${JSON.stringify(value)} is not JSON`);
    }
  }
  const parsed = channelRatesSchema.safeParse(rates);
  if (!parsed.success) throw new Error(`${expected}: ${parsed.error.issues.map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`).join("; ")}`);
  return parsed.data;
}
