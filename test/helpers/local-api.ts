import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { inject } from "vitest";

export interface ApiResponse<T = any> {
  status: number;
  body: T;
}

/**
 * One request as an application would make it: a 429 (the route over its stage's limit, as API
 * Gateway answers a burst) is sent again after a pause, as a well-behaved client does. Tests that
 * look for 429 call fetch themselves.
 */
export async function call<T = any>(method: string, path: string, body?: unknown): Promise<ApiResponse<T>> {
  for (let attempt = 1; ; attempt++) {
    const response = await fetch(`${inject("apiUrl")}${path}`, {
      method,
      headers: { "content-type": "application/json" },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    const text = await response.text();
    if (response.status === 429 && attempt < MAX_THROTTLED_ATTEMPTS) {
      await sleep(100 * attempt);
      continue;
    }
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  }
}

const MAX_THROTTLED_ATTEMPTS = 10;

/** Ids unique to one test, so tests share the local cloud without seeing each other's data. */
export function uniqueId(prefix: string): string {
  return `${prefix}-${randomUUID()}`;
}

/** Polls until the condition holds, failing with its description after the limit. */
export async function eventually<T>(description: string, probe: () => Promise<T>, holds: (value: T) => boolean, timeoutMillis = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMillis;
  let last: T;
  do {
    last = await probe();
    if (holds(last)) return last;
    await sleep(100);
  } while (Date.now() < deadline);
  throw new Error(`timed out after ${timeoutMillis} ms waiting for ${description}; last value: ${JSON.stringify(last)}`);
}

/** Waits until no message is queued or in flight anywhere in the pipeline. */
export async function settled(): Promise<void> {
  const { status, body } = await call("GET", "/_local/settled?timeoutMs=30000");
  if (status !== 200) throw new Error(`local cloud did not settle: ${JSON.stringify(body)}`);
}

export async function outbox(notificationId: string): Promise<Array<{ channel: string; userId: string; to: string; subject?: string; body: string }>> {
  return (await call("GET", `/_local/outbox?notificationId=${encodeURIComponent(notificationId)}`)).body;
}

/** A broadcast's view with every page of its deliveries joined, following nextCursor. */
export async function broadcastView(notificationId: string): Promise<any> {
  const first = (await call("GET", `/v1/notifications/${notificationId}`)).body;
  const all = [...first.deliveries];
  for (let page = first; page.nextCursor; all.push(...page.deliveries)) page = (await call("GET", `/v1/notifications/${notificationId}?cursor=${page.nextCursor}`)).body;
  return { ...first, deliveries: all, nextCursor: undefined };
}

export async function deliveries(notificationId: string): Promise<Array<{ userId: string; channel: string; status: string; reason?: string; attempts: number }>> {
  const { status, body } = await call("GET", `/v1/notifications/${encodeURIComponent(notificationId)}`);
  return status === 200 ? body.deliveries : [];
}

export const reachableUser = {
  email: "ada@example.com",
  phone: "+14155550123",
  pushEndpoints: ["arn:aws:sns:us-east-1:000000000000:endpoint/GCM/notify/ada"],
};

/** The local cloud's clock, which every function and schedule reads. */
export async function localNow(): Promise<number> {
  return Date.parse((await call("GET", "/_local/clock")).body.now);
}

export async function advanceClockTo(instant: number): Promise<void> {
  const { status, body } = await call("POST", "/_local/clock", { to: new Date(instant).toISOString() });
  if (status !== 200) throw new Error(`could not move the local clock: ${JSON.stringify(body)}`);
}

/** "HH:MM" in UTC of an instant. */
export function utcClock(instant: number): string {
  return new Date(instant).toISOString().slice(11, 16);
}

export async function injectFault(rule: { channel: string; kind: string; rate?: number; times?: number }): Promise<void> {
  const { status, body } = await call("POST", "/_local/faults", rule);
  if (status !== 200) throw new Error(`fault refused: ${JSON.stringify(body)}`);
}

export async function clearFaults(): Promise<{ injected: Record<string, number> }> {
  return (await call("DELETE", "/_local/faults")).body;
}
