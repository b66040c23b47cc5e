/**
 * A burst of concurrent API requests as a hostile reader and a careless client send them at once:
 * valid publishes, malformed and deeply nested JSON, 4 KB bearer tokens, long preference-center
 * tokens, an audience import one member over its limit, forged unsubscribe tokens, ids past their
 * length, and one user's browser patching its preferences 100 times. How each was answered, how
 * long the slowest took, and whether any went unanswered within API Gateway's 30 s.
 */
export interface BurstResult {
  requests: number;
  /** Answers by status code; "none" for a request with no answer within the limit. */
  statuses: Record<string, number>;
  slowestMillis: number;
  /** Answers other than 2xx, 3xx, 4xx, 429 and 503 (a 500, a 502, no answer): what the burst must not produce. */
  unexpected: number;
}

const ANSWER_LIMIT_MILLIS = 30_000;

interface BurstRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

/** The mix, by index: a tenth each of ten kinds, so any burst size keeps the proportions. */
function request(index: number, round: string, userToken: string): BurstRequest {
  const json = { "content-type": "application/json" };
  switch (index % 10) {
    case 0:
    case 1:
      return { method: "POST", path: "/v1/notifications", headers: json, body: JSON.stringify({ notificationId: `burst-${round}-${index}`, type: "order.shipped", channels: ["in_app"], recipients: [{ userId: `burst-user-${index}` }], data: { orderId: `U-${index}` } }) };
    case 2:
      return { method: "POST", path: "/v1/notifications", headers: json, body: "{not json" };
    case 3:
      return { method: "POST", path: "/v1/notifications", headers: json, body: `${"[".repeat(5000)}${"]".repeat(5000)}` };
    case 4:
      return { method: "GET", path: "/v1/me/inbox", headers: { authorization: `Bearer ${"x".repeat(4096)}` } };
    case 5:
      return { method: "GET", path: `/v1/preferences-center?token=${"A".repeat(4000)}` };
    case 6:
      return { method: "POST", path: `/v1/audiences/burst-${round}/members`, headers: json, body: JSON.stringify({ add: Array.from({ length: 1001 }, (_, member) => `member-${member}`) }) };
    case 7:
      return { method: "POST", path: "/v1/unsubscribe?token=forged", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "List-Unsubscribe=One-Click" };
    case 8:
      return { method: "GET", path: `/v1/notifications/${"n".repeat(2000)}` };
    default:
      return { method: "PATCH", path: "/v1/me/preferences", headers: { ...json, authorization: `Bearer ${userToken}` }, body: JSON.stringify({ categories: { [`burst-${index}`]: false } }) };
  }
}

/** What a burst may be answered: 2xx, 3xx, 4xx (429 included), and 503 (API Gateway's integration timeout). */
const expected = (status: string) => /^[234]\d\d$/.test(status) || status === "503";

export async function apiBurst(apiUrl: string, requests: number, round: string, userToken: string): Promise<BurstResult> {
  const statuses: Record<string, number> = {};
  let slowestMillis = 0;
  await Promise.all(
    Array.from({ length: requests }, async (_, index) => {
      const { method, path, headers, body } = request(index, round, userToken);
      const started = performance.now();
      let status: string;
      try {
        const response = await fetch(`${apiUrl}${path}`, { method, headers, body, signal: AbortSignal.timeout(ANSWER_LIMIT_MILLIS) });
        await response.arrayBuffer();
        status = String(response.status);
      } catch {
        status = "none";
      }
      slowestMillis = Math.max(slowestMillis, performance.now() - started);
      statuses[status] = (statuses[status] ?? 0) + 1;
    }),
  );
  const unexpected = Object.entries(statuses).reduce((sum, [status, count]) => sum + (expected(status) ? 0 : count), 0);
  return { requests, statuses, slowestMillis, unexpected };
}
