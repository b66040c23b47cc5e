import type { Rendering } from "./delivery-event.ts";
import { deliveryEvent, type DeliveryEvent } from "./delivery-event.ts";
import type { Channel } from "./channels.ts";

/** The delivery a provider's message belongs to. */
/** A sent push as the index keeps it: the delivery, and the version and variant it rendered. */
export interface SentDelivery extends Rendering {
  notificationId: string;
  userId: string;
  type: string;
  channel: Channel;
  /** A broadcast's delivery names its row shards, which place its row. */
  rowShards?: number;
}

/**
 * One line of an SNS mobile push delivery status log (the platform application's success or
 * failure log group): what the push service (APNs, FCM) answered for one message to one endpoint.
 */
export interface PushDeliveryStatus {
  notification: { messageId: string; timestamp: string };
  delivery: { destination: string; statusCode?: number; providerResponse?: string };
  status: "SUCCESS" | "FAILURE";
}

export interface PushReceipt {
  event: DeliveryEvent;
  /** The endpoint's device token is gone for good (app uninstalled, token rotated): stop sending to it. */
  goneEndpoint?: string;
}

/** APNs and FCM answers that mean the token will never work again; SNS disables such endpoints too. */
const GONE_TOKEN = /Unregistered|BadDeviceToken|NotRegistered|InvalidRegistration|UNREGISTERED|EndpointDisabled/;

export function parsePushDeliveryStatus(line: string): PushDeliveryStatus {
  const parsed = JSON.parse(line) as Partial<PushDeliveryStatus>;
  if (typeof parsed.notification?.messageId !== "string" || typeof parsed.delivery?.destination !== "string" || (parsed.status !== "SUCCESS" && parsed.status !== "FAILURE")) {
    throw new Error("not an SNS delivery status log line");
  }
  return parsed as PushDeliveryStatus;
}

/** SNS writes "2026-11-23 10:00:00.123" in UTC. */
function loggedAt(timestamp: string): Date {
  const at = new Date(`${timestamp.replace(" ", "T")}Z`);
  return Number.isNaN(at.getTime()) ? new Date(timestamp) : at;
}

/**
 * A push receipt as a delivery event. A device that got it makes the push `delivered`; one that did
 * not makes it `failed` with the push service's answer, which another device's `delivered` still
 * outranks. The endpoint goes in the reason, so each device's receipt stays its own event.
 */
export function readPushReceipt(status: PushDeliveryStatus, sent: SentDelivery): PushReceipt {
  const base = { ...sent, channel: "push" as const, attempt: 1, provider: "sns-push", providerMessageId: status.notification.messageId };
  const at = loggedAt(status.notification.timestamp);
  const endpoint = status.delivery.destination.slice(status.delivery.destination.lastIndexOf("/") + 1);
  if (status.status === "SUCCESS") return { event: deliveryEvent({ ...base, status: "delivered" }, at) };
  const answer = `${status.delivery.statusCode ?? "no status"} ${status.delivery.providerResponse ?? ""}`.trim().slice(0, 300);
  const gone = GONE_TOKEN.test(status.delivery.providerResponse ?? "") || status.delivery.statusCode === 410;
  const event = deliveryEvent({ ...base, status: "failed", reason: `${gone ? "push_endpoint_gone" : "push_rejected"} (endpoint ${endpoint}): ${answer}` }, at);
  return gone ? { event, goneEndpoint: status.delivery.destination } : { event };
}
