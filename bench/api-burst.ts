/**
 * A burst of concurrent API requests, half valid publishes and half malformed, as a new user's load
 * test would send them: how each was answered, how long the slowest took, and whether any went
 * unanswered within the limit.
 */
export interface BurstResult {
  requests: number;
  /** Answers by status code; "none" for a request with no answer within the limit. */
  statuses: Record<string, number>;
  slowestMillis: number;
}

const ANSWER_LIMIT_MILLIS = 30_000;

function body(index: number, round: string): string {
  if (index % 2 === 1) return index % 4 === 1 ? "{not json" : JSON.stringify({ type: "order.shipped", recipients: [] });
  return JSON.stringify({ notificationId: `burst-${round}-${index}`, type: "order.shipped", channels: ["in_app"], recipients: [{ userId: `burst-user-${index}` }], data: { orderId: `U-${index}` } });
}

export async function apiBurst(apiUrl: string, requests: number, round: string): Promise<BurstResult> {
  const statuses: Record<string, number> = {};
  let slowestMillis = 0;
  await Promise.all(
    Array.from({ length: requests }, async (_, index) => {
      const started = performance.now();
      let status: string;
      try {
        const response = await fetch(`${apiUrl}/v1/notifications`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: body(index, round),
          signal: AbortSignal.timeout(ANSWER_LIMIT_MILLIS),
        });
        await response.arrayBuffer();
        status = String(response.status);
      } catch {
        status = "none";
      }
      slowestMillis = Math.max(slowestMillis, performance.now() - started);
      statuses[status] = (statuses[status] ?? 0) + 1;
    }),
  );
  return { requests, statuses, slowestMillis };
}
