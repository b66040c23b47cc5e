import type { IncomingMessage, ServerResponse } from "node:http";
import type { ExtraHandler } from "./http-gateway.ts";
import { serveBrowserPage, type LocalUserLinks } from "./local-browser-pages.ts";
import type { LocalClock } from "./local-clock.ts";
import type { LocalOutbox } from "./local-outbox.ts";
import type { FaultRule, ProviderFaults } from "./provider-faults.ts";
import { FEEDBACK_KINDS, providerNotification, pushDeliveryStatus, type FeedbackKind } from "./provider-notifications.ts";
import type { RecordingSink } from "./recording-sink.ts";
import type { PartitionReport } from "./partition-throughput.ts";
import type { UsageSnapshot } from "./usage-ledger.ts";

export interface LocalRoutesDependencies {
  sink: RecordingSink;
  /** Set once the stack is deployed and the inbox table exists. */
  outbox: () => LocalOutbox | undefined;
  clock: LocalClock;
  /** Runs the schedules that fell due, then deletes what has expired, as AWS would have in the time skipped. */
  afterClockMoved: () => Promise<void>;
  faults: ProviderFaults;
  /** Kills the channel worker's environment that is making this send. */
  crashWorker(channel: string, notificationId: string, userId: string): void;
  settled(timeoutMillis: number): Promise<void>;
  /** Pauses or resumes the event source reading a queue, as disabling or enabling its mapping would. */
  setPolling(queueUrl: string, polling: boolean): void;
  /** Publishes a provider's notification to the stack's feedback topic, as SES or End User Messaging would. */
  publishFeedback(message: string): Promise<void>;
  /** Writes lines to a log group, as SNS writes push delivery status. */
  writeLogs(logGroupName: string, lines: string[]): Promise<void>;
  /** Each Kinesis event source's iterator age, which CloudWatch would report on AWS. */
  streamIteratorAges(): Array<{ streamName: string; iteratorAgeMillis: number }>;
  /** What the functions and event sources have asked of AWS so far, and what their invocations took. */
  usage(): UsageSnapshot;
  /** DynamoDB's hottest partition keys per table, and the requests refused for them. */
  partitions(): Promise<PartitionReport>;
  /** Execution environments alive per function name. */
  environments(): Record<string, number>;
  /** Tokens and links for a user, once the stack is deployed with its HTTP API. */
  userLinks: () => LocalUserLinks | undefined;
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString("utf8") || "null");
}

function json(response: ServerResponse, status: number, body: unknown): true {
  response.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
  return true;
}

/**
 * The local cloud's own endpoints beside the API: the recording sink the workers send to, the
 * outbox that shows what was sent, and a wait until the pipeline has nothing left in flight.
 */
export function localRoutes(deps: LocalRoutesDependencies): ExtraHandler {
  return async (request, response, url) => {
    if (!url.pathname.startsWith("/_local/")) return false;
    if (request.method === "GET" && (await serveBrowserPage(url.pathname, url.searchParams, response, url.origin, deps.userLinks()))) return true;
    const sinkChannel = /^\/_local\/sink\/([a-z_]+)$/.exec(url.pathname)?.[1];
    if (sinkChannel && request.method === "POST") {
      const send = (await readJson(request)) as Parameters<RecordingSink["record"]>[1];
      switch (deps.faults.draw(sinkChannel)) {
        case "transient":
          return json(response, 503, { message: "injected: provider unavailable" });
        case "throttle":
          return json(response, 429, { message: "injected: slow down" });
        case "permanent":
          return json(response, 400, { message: "injected: recipient rejected" });
        case "timeout":
          // Never answer: the worker's provider timeout ends the call.
          return true;
        case "crash_before_send":
          deps.crashWorker(sinkChannel, send.notificationId, send.userId);
          return true;
        case "crash_after_send":
          // The provider has it; the worker dies before it can mark the claim sent.
          deps.sink.record(sinkChannel, send);
          deps.crashWorker(sinkChannel, send.notificationId, send.userId);
          return true;
        default: {
          const entry = deps.sink.record(sinkChannel, send);
          return json(response, 200, { messageId: entry.providerMessageId });
        }
      }
    }
    if (url.pathname === "/_local/polling" && request.method === "POST") {
      const { queueUrl, polling } = (await readJson(request)) as { queueUrl?: unknown; polling?: unknown };
      if (typeof queueUrl !== "string" || typeof polling !== "boolean") return json(response, 400, { message: "expected {queueUrl: string, polling: boolean}" });
      try {
        deps.setPolling(queueUrl, polling);
      } catch (error) {
        return json(response, 404, { message: (error as Error).message });
      }
      return json(response, 200, { queueUrl, polling });
    }
    if (url.pathname === "/_local/crashes" && request.method === "GET") {
      return json(response, 200, deps.sink.crashes);
    }
    if (url.pathname === "/_local/faults") {
      if (request.method === "POST") {
        try {
          deps.faults.add({ rate: 1, ...((await readJson(request)) as Partial<FaultRule>) } as FaultRule);
        } catch (error) {
          return json(response, 400, { message: (error as Error).message });
        }
      } else if (request.method === "DELETE") {
        deps.faults.clear();
      }
      return json(response, 200, { active: deps.faults.active, injected: deps.faults.injected });
    }
    if (url.pathname === "/_local/outbox" && request.method === "GET") {
      const query = url.searchParams;
      const filter = { notificationId: query.get("notificationId"), channel: query.get("channel"), userId: query.get("userId") };
      return json(response, 200, (await deps.outbox()?.list(filter)) ?? deps.sink.list(filter));
    }
    if (url.pathname === "/_local/feedback" && request.method === "POST") {
      const body = (await readJson(request)) as { notificationId?: string; userId?: string; channel?: string; kind?: string; endpoint?: string } | null;
      if (!FEEDBACK_KINDS.includes(body?.kind as FeedbackKind)) return json(response, 400, { message: `kind must be one of ${FEEDBACK_KINDS.join(", ")}` });
      const outbox = (await deps.outbox()?.list({ notificationId: body?.notificationId, userId: body?.userId, channel: body?.channel })) ?? [];
      const sent = outbox.at(-1);
      if (!sent) return json(response, 404, { message: "nothing was sent to that notificationId, userId and channel" });
      const kind = body!.kind as FeedbackKind;
      const at = new Date(deps.clock.now());
      try {
        if (sent.channel === "push") {
          // One receipt per device; `endpoint` picks one, as when only one of a user's phones fails.
          const { logGroupName, lines } = pushDeliveryStatus(sent, kind, at, body?.endpoint ? [body.endpoint] : [sent.to].flat());
          await deps.writeLogs(logGroupName, lines);
        } else {
          await deps.publishFeedback(providerNotification(sent, kind, at));
        }
      } catch (error) {
        return json(response, 400, { message: (error as Error).message });
      }
      return json(response, 202, { published: body!.kind, providerMessageId: sent.providerMessageId });
    }
    if (url.pathname === "/_local/clock") {
      if (request.method === "POST") {
        const body = (await readJson(request)) as { advanceByMillis?: number; to?: string } | null;
        const target = body?.to !== undefined ? Date.parse(body.to) : deps.clock.now() + Number(body?.advanceByMillis ?? Number.NaN);
        if (Number.isNaN(target)) return json(response, 400, { message: "send {advanceByMillis: number} or {to: ISO-8601 time}" });
        try {
          deps.clock.advanceTo(target);
        } catch (error) {
          return json(response, 400, { message: (error as Error).message });
        }
        // In the background: a test may race what the due schedules release (a cancel, say).
        deps.afterClockMoved().catch((error) => console.error(`after the clock moved: ${(error as Error).message}`));
      }
      return json(response, 200, { now: new Date(deps.clock.now()).toISOString(), offsetMillis: deps.clock.offsetMillis });
    }
    if (url.pathname === "/_local/stream-readers" && request.method === "GET") {
      return json(response, 200, deps.streamIteratorAges());
    }
    if (url.pathname === "/_local/usage" && request.method === "GET") {
      return json(response, 200, { ...deps.usage(), partitions: await deps.partitions() });
    }
    if (url.pathname === "/_local/health" && request.method === "GET") {
      return json(response, 200, { rssBytes: process.memoryUsage().rss, environments: deps.environments() });
    }
    if (url.pathname === "/_local/settled" && request.method === "GET") {
      try {
        await deps.settled(Number(url.searchParams.get("timeoutMs") ?? 30_000));
        return json(response, 200, { settled: true });
      } catch (error) {
        return json(response, 504, { settled: false, message: (error as Error).message });
      }
    }
    return json(response, 404, { message: `no local route ${request.method} ${url.pathname}` });
  };
}
