/**
 * The benchmark's traffic: requests of 100 recipients each, rotating through channel mixes, sent
 * through the HTTP API with a bounded number of requests in flight, each followed until every one
 * of its deliveries has been reported `sent` on the delivery-events stream.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { LocalCloud } from "#infra/local/local-cloud.ts";
import type { Channel } from "#shared/domain/channels.ts";
import { PreferencesStore } from "#shared/adapters/stores/preferences-store.ts";
import { deliveryKey } from "#shared/domain/delivery-event.ts";

export const RECIPIENTS_PER_REQUEST = 100;
/** Four requests carry ten channel deliveries per recipient: 1,000 deliveries. */
const CHANNEL_MIXES: Channel[][] = [["email", "sms", "push", "in_app"], ["email", "push", "in_app"], ["push", "in_app"], ["email"]];
export const SEEDED_USERS = 1_000;
/** Requests whose deliveries may be unfinished at once: enough to keep every channel busy. */
const REQUESTS_IN_FLIGHT = 4;

export interface RoundResult {
  deliveries: number;
  recipients: number;
  publishRequests: number;
  inAppDeliveries: number;
  /** From the first publish to the last `sent`. */
  elapsedMillis: number;
  /** Publish (the API request leaving the client) to `sent` (the worker's event), per delivery. */
  latenciesMillis: number[];
}

interface SentEvent {
  notificationId?: string;
  userId?: string;
  channel?: string;
  status?: string;
  at?: string;
}

/** The seeded users, by index; they wrap around after the last. */
export const benchUserId = (index: number) => `bench-user-${index % SEEDED_USERS}`;

/** Users who can be reached on every channel, with a time zone and locale, and no quiet hours. */
export async function seedUsers(cloud: LocalCloud): Promise<void> {
  const documents = DynamoDBDocumentClient.from(
    new DynamoDBClient({ region: cloud.region, endpoint: cloud.endpoints.dynamodb, credentials: { accessKeyId: "local", secretAccessKey: "local" } }),
  );
  const store = new PreferencesStore(documents, cloud.outputs.PreferencesTableName!);
  const updatedAt = new Date().toISOString();
  for (let start = 0; start < SEEDED_USERS; start += 50) {
    await Promise.all(
      Array.from({ length: 50 }, (_, offset) => {
        const index = start + offset;
        return store.put(
          benchUserId(index),
          {
            email: `user${index}@example.com`,
            phone: `+1415555${String(index).padStart(4, "0")}`,
            pushEndpoints: [`arn:aws:sns:us-east-1:000000000000:endpoint/GCM/notify/${index}`],
            timezone: index % 2 ? "Europe/Berlin" : "America/New_York",
            locale: index % 3 ? "en" : "pt",
          },
          updatedAt,
        );
      }),
    );
  }
  documents.destroy();
}

/** Sends `deliveries` channel deliveries (a multiple of 1,000) and waits until each is sent. */
export async function runRound(cloud: LocalCloud, round: string, deliveries: number): Promise<RoundResult> {
  const requests = (deliveries / 1_000) * CHANNEL_MIXES.length;
  if (!Number.isInteger(requests)) throw new RangeError(`a round is a multiple of 1,000 deliveries, not ${deliveries}`);
  const publishedAt = new Map<string, number>();
  const expected = new Map<string, number>();
  const seen = new Set<string>();
  const waiting = new Map<string, () => void>();
  const latenciesMillis: number[] = [];
  let lastSentAt = 0;

  const stopListening = cloud.onDeliveryEvent((event) => {
    const { notificationId, userId: user, channel, status, at } = event as SentEvent;
    if (status !== "sent" || !notificationId || !user || !channel || !publishedAt.has(notificationId)) return;
    const key = deliveryKey({ notificationId, userId: user, channel });
    if (seen.has(key)) return;
    seen.add(key);
    const sentAt = Date.parse(at!);
    latenciesMillis.push(sentAt - publishedAt.get(notificationId)!);
    lastSentAt = Math.max(lastSentAt, sentAt);
    const left = expected.get(notificationId)! - 1;
    expected.set(notificationId, left);
    if (left === 0) waiting.get(notificationId)?.();
  });

  const started = Date.now();
  let inAppDeliveries = 0;
  let next = 0;
  const publishOne = async (index: number) => {
    const channels = CHANNEL_MIXES[index % CHANNEL_MIXES.length]!;
    const notificationId = `bench-${round}-${index}`;
    const done = new Promise<void>((resolve) => waiting.set(notificationId, resolve));
    expected.set(notificationId, channels.length * RECIPIENTS_PER_REQUEST);
    if (channels.includes("in_app")) inAppDeliveries += RECIPIENTS_PER_REQUEST;
    publishedAt.set(notificationId, Date.now());
    const response = await fetch(`${cloud.apiUrl}/v1/notifications`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        notificationId,
        type: "order.shipped",
        channels,
        recipients: Array.from({ length: RECIPIENTS_PER_REQUEST }, (_, offset) => ({ userId: benchUserId(index * RECIPIENTS_PER_REQUEST + offset) })),
        data: { orderId: `B-${round}-${index}`, carrier: "DHL", trackingUrl: "https://example.com/track/1" },
      }),
    });
    if (response.status !== 202) throw new Error(`publish ${notificationId} answered ${response.status}: ${await response.text()}`);
    await done;
  };
  const lanes = Array.from({ length: REQUESTS_IN_FLIGHT }, async () => {
    while (next < requests) await publishOne(next++);
  });
  try {
    await Promise.all(lanes);
  } finally {
    stopListening();
  }
  return { deliveries, recipients: requests * RECIPIENTS_PER_REQUEST, publishRequests: requests, inAppDeliveries, elapsedMillis: lastSentAt - started, latenciesMillis };
}

export function percentile(values: number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] ?? 0;
}
