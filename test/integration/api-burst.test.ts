import { describe, expect, inject, it } from "vitest";
import { LOCAL_ENVIRONMENTS_PER_FUNCTION } from "#infra/local/local-cloud.ts";
import { call, settled, uniqueId } from "../helpers/local-api.ts";

const BURST = 300;
const ANSWER_LIMIT_MILLIS = 30_000;

interface Health {
  rssBytes: number;
  environments: Record<string, number>;
}

/** Half valid publishes, half malformed in two ways, all at once, each with its own time limit. */
async function burst(round: string): Promise<Array<{ status: number | "none"; millis: number }>> {
  return Promise.all(
    Array.from({ length: BURST }, async (_, index) => {
      const body =
        index % 2 === 0
          ? JSON.stringify({ notificationId: `${round}-${index}`, type: "order.shipped", channels: ["in_app"], recipients: [{ userId: `${round}-user-${index}` }], data: { orderId: `B-${index}` } })
          : index % 4 === 1
            ? "{not json"
            : JSON.stringify({ type: "order.shipped", recipients: [] });
      const started = performance.now();
      try {
        const response = await fetch(`${inject("apiUrl")}/v1/notifications`, { method: "POST", headers: { "content-type": "application/json" }, body, signal: AbortSignal.timeout(ANSWER_LIMIT_MILLIS) });
        await response.arrayBuffer();
        return { status: response.status, millis: performance.now() - started };
      } catch {
        return { status: "none" as const, millis: performance.now() - started };
      }
    }),
  );
}

describe("a burst of concurrent API requests", () => {
  it("answers every request within 30 s with 2xx, 4xx, 429 or 503, never a 500, and keeps its environments and memory bounded", async () => {
    await settled();
    const before = (await call<Health>("GET", "/_local/health")).body;
    const round = uniqueId("burst");
    const answers = await burst(round);

    expect(answers.filter((answer) => answer.status === "none")).toEqual([]);
    for (const { status } of answers) expect([202, 400, 429, 503]).toContain(status);
    expect(Math.max(...answers.map((answer) => answer.millis))).toBeLessThan(ANSWER_LIMIT_MILLIS);
    // Malformed requests are refused one by one, not swept up in a failure of the whole burst.
    expect(answers.filter((answer) => answer.status === 400).length).toBeGreaterThan(0);
    expect(answers.filter((answer) => answer.status === 202).length).toBeGreaterThan(0);

    const after = (await call<Health>("GET", "/_local/health")).body;
    for (const [name, count] of Object.entries(after.environments)) expect(count, name).toBeLessThanOrEqual(LOCAL_ENVIRONMENTS_PER_FUNCTION);
    expect(after.rssBytes - before.rssBytes).toBeLessThan(512 * 1024 ** 2);

    // Still serving: an accepted publish is found, and a new one is accepted.
    const accepted = answers.findIndex((answer) => answer.status === 202);
    expect((await call("GET", `/v1/notifications/${round}-${accepted}`)).status).toBe(200);
    const next = await call("POST", "/v1/notifications", { notificationId: `${round}-after`, type: "order.shipped", channels: ["in_app"], recipients: [{ userId: `${round}-late` }], data: { orderId: "B-after" } });
    expect(next.status).toBe(202);
  });

  it("holds a flood of the open routes to their own limits, so publishes keep their share of ingest", async () => {
    await settled();
    const round = uniqueId("flood");
    const flood = Promise.all(
      Array.from({ length: 300 }, async (_, index) => {
        const path = index % 2 === 0 ? "/v1/unsubscribe?token=forged" : "/v1/preferences-center?token=forged";
        const response = await fetch(`${inject("apiUrl")}${path}`, { method: index % 4 < 2 ? "GET" : "POST", signal: AbortSignal.timeout(ANSWER_LIMIT_MILLIS) });
        await response.arrayBuffer();
        return response.status;
      }),
    );
    const publishes = Promise.all(
      Array.from({ length: 40 }, (_, index) =>
        call("POST", "/v1/notifications", { notificationId: `${round}-${index}`, type: "order.shipped", channels: ["in_app"], recipients: [{ userId: `${round}-user-${index}` }], data: { orderId: `F-${index}` } }),
      ),
    );
    const [floodStatuses, published] = await Promise.all([flood, publishes]);
    for (const status of floodStatuses) expect([400, 429]).toContain(status);
    // Each of the four routes admits 40 at once (20 a second, twice that in a burst); the rest are refused before ingest.
    expect(floodStatuses.filter((status) => status === 429).length).toBeGreaterThanOrEqual(300 - 4 * 40 - 20);
    expect(published.map(({ status }) => status)).toEqual(Array.from({ length: 40 }, () => 202));
  });
});
