import type { Channel } from "./channels.ts";
import type { DeliveryStatus } from "./delivery-event.ts";

/**
 * Declared per template. A fallback sends on another channel at once when this channel ends in one
 * of `when` (a status such as `failed`, or a suppression reason such as `no_address`). An escalation
 * sends on another channel `afterMinutes` after this one was sent, unless by then it reached one of
 * `unless` (e.g. `opened`). Follow-ups keep the notificationId, so dedup still sends each channel once.
 */
export type FollowUp =
  | { kind: "fallback"; from: Channel; to: Channel; when: string[] }
  | { kind: "escalation"; from: Channel; to: Channel; afterMinutes: number; unless: DeliveryStatus[] };
