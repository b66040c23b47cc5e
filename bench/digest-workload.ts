/**
 * Digests at bench scale: likes (social.comment_liked, in_app) for many users and one post each,
 * several a window, then the clock moved past every window's close. Counted at the SDK in three
 * parts: the same number of in-app deliveries of a template without a digest (the baseline), the
 * likes joining their windows, and the windows' release with their digests' delivery.
 */
import type { LocalCloud } from "#infra/local/local-cloud.ts";
import { usageBetween, type UsageSnapshot } from "#infra/local/usage-ledger.ts";
import { deliveryKey } from "#shared/domain/delivery-event.ts";
import { RECIPIENTS_PER_REQUEST, SEEDED_USERS, benchUserId } from "./delivery-workload.ts";

export interface DigestRoundResult {
  windows: number;
  /** Like notifications, each one in-app delivery folded into a window. */
  likes: number;
  /** In-app deliveries of order.shipped sent as usual: what the likes would have cost undigested. */
  baseline: { deliveries: number; usage: UsageSnapshot };
  /** From the first like published until every like is digested. */
  join: { usage: UsageSnapshot; elapsedMillis: number };
  /** From the clock passing the windows' close until every digest is sent. */
  release: { usage: UsageSnapshot; elapsedMillis: number };
}

/** Requests in flight at once, as the delivery rounds. */
const REQUESTS_IN_FLIGHT = 4;
/** Past the 5-minute window and the sweeper's next minute. */
const PAST_THE_WINDOWS_MILLIS = 6 * 60_000;

interface WatchedEvent {
  notificationId?: string;
  userId?: string;
  channel?: string;
  status?: string;
}

/** Resolves when `count` distinct deliveries matching `matches` have been reported with `status`. */
function awaitEvents(cloud: LocalCloud, status: string, count: number, matches: (event: WatchedEvent) => boolean): { done: Promise<number>; stop: () => void } {
  const seen = new Set<string>();
  let resolve!: (at: number) => void;
  const done = new Promise<number>((settle) => (resolve = settle));
  const stop = cloud.onDeliveryEvent((raw) => {
    const event = raw as WatchedEvent;
    if (event.status !== status || !event.notificationId || !event.userId || !event.channel || !matches(event)) return;
    seen.add(deliveryKey({ notificationId: event.notificationId, userId: event.userId, channel: event.channel }));
    if (seen.size === count) resolve(performance.now());
  });
  return { done, stop };
}

async function publish(cloud: LocalCloud, requests: object[]): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: REQUESTS_IN_FLIGHT }, async () => {
    for (let request = requests[next++]; request !== undefined; request = requests[next++]) {
      const response = await fetch(`${cloud.apiUrl}/v1/notifications`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(request) });
      if (response.status !== 202) throw new Error(`publish answered ${response.status}: ${await response.text()}`);
    }
  });
  await Promise.all(lanes);
}

/** Publishes the requests and follows them until `status` is reported for `deliveries` of them; what that used, and how long it took. */
async function measured(cloud: LocalCloud, requests: object[], status: string, deliveries: number, matches: (event: WatchedEvent) => boolean) {
  await cloud.settled(120_000);
  const before = cloud.usage.snapshot();
  const watch = awaitEvents(cloud, status, deliveries, matches);
  const started = performance.now();
  try {
    await publish(cloud, requests);
    const finished = await watch.done;
    await cloud.settled(300_000);
    return { usage: usageBetween(before, cloud.usage.snapshot()), elapsedMillis: finished - started };
  } finally {
    watch.stop();
  }
}

/**
 * `windows` users (a multiple of 100) each get `likesPerWindow` likes on one post: one window per
 * user, opened by the first like and joined by the rest.
 */
export async function runDigestRound(cloud: LocalCloud, round: string, windows: number, likesPerWindow: number): Promise<DigestRoundResult> {
  if (windows % RECIPIENTS_PER_REQUEST !== 0 || windows > SEEDED_USERS) throw new RangeError(`windows is a multiple of ${RECIPIENTS_PER_REQUEST} up to ${SEEDED_USERS} (one a seeded user), not ${windows}`);
  const likes = windows * likesPerWindow;
  const firstRecipients = Array.from({ length: windows / RECIPIENTS_PER_REQUEST }, (_, batch) => batch * RECIPIENTS_PER_REQUEST);
  const recipientsFrom = (first: number) => Array.from({ length: RECIPIENTS_PER_REQUEST }, (_, offset) => ({ userId: benchUserId(first + offset) }));
  const waves = Array.from({ length: likesPerWindow }, (_, wave) => wave);

  const baselineIds = new Set<string>();
  const baselineRequests = waves.flatMap((wave) =>
    firstRecipients.map((first) => {
      const notificationId = `bench-${round}-baseline-${wave}-${first}`;
      baselineIds.add(notificationId);
      return { notificationId, type: "order.shipped", channels: ["in_app"], recipients: recipientsFrom(first), data: { orderId: `D-${wave}`, carrier: "DHL", trackingUrl: "https://example.com/track/1" } };
    }),
  );
  const baseline = await measured(cloud, baselineRequests, "sent", likes, (event) => baselineIds.has(event.notificationId!));

  const likeIds = new Set<string>();
  const likeRequests = waves.flatMap((wave) =>
    firstRecipients.map((first) => {
      const notificationId = `bench-${round}-like-${wave}-${first}`;
      likeIds.add(notificationId);
      return { notificationId, type: "social.comment_liked", channels: ["in_app"], recipients: recipientsFrom(first), data: { postId: `${round}-post`, commentId: "c-1", likerName: `liker${wave}` } };
    }),
  );
  const join = await measured(cloud, likeRequests, "digested", likes, (event) => likeIds.has(event.notificationId!));

  const before = cloud.usage.snapshot();
  const digests = awaitEvents(cloud, "sent", windows, (event) => event.notificationId!.startsWith("digest-"));
  const started = performance.now();
  try {
    cloud.clock.advanceTo(cloud.clock.now() + PAST_THE_WINDOWS_MILLIS);
    const finished = await digests.done;
    await cloud.settled(300_000);
    return { windows, likes, baseline: { deliveries: likes, usage: baseline.usage }, join, release: { usage: usageBetween(before, cloud.usage.snapshot()), elapsedMillis: finished - started } };
  } finally {
    digests.stop();
  }
}
