import { randomUUID } from "node:crypto";
import { placementOf, renderingOf, type Rendering } from "#shared/domain/delivery-event.ts";

/** A send as the provider got it; the template version and variant ride along as they do in SES tags and SMS context. */
export interface OutboxEntry extends Rendering {
  notificationId: string;
  userId: string;
  channel: string;
  /** The notification's template type. */
  type: string;
  to: string | string[];
  subject?: string;
  body: string;
  html?: string;
  headers?: { Name: string; Value: string }[];
  /** SMS only: how the network carries it; more than one segment is a multi-part message. */
  encoding?: string;
  segments?: number;
  attempt: number;
  providerMessageId: string;
  at: string;
  /** On a broadcast's delivery, its row shards, which the feedback about it names. */
  rowShards?: number;
}

interface SinkRequest extends Rendering {
  notificationId: string;
  userId: string;
  channel: string;
  type: string;
  to: string[];
  content: { subject?: string; text?: string; html?: string; body?: string; title?: string; encoding?: string; segments?: number };
  headers?: { Name: string; Value: string }[];
  attempt: number;
  rowShards?: number;
}

/**
 * Stands in for every provider when the local cloud runs: the workers' HttpProvider posts each send
 * here and it is recorded as "what would have been sent", readable at GET /_local/outbox.
 */
export interface CrashRecord {
  /** `${notificationId}#${userId}#${channel}` of every record in the batch that died. */
  keys: string[];
  at: string;
  reason: string;
}

export class RecordingSink {
  private readonly entries: OutboxEntry[] = [];
  /** Batches killed by an injected crash: the only deliveries a second send is allowed for. */
  readonly crashes: CrashRecord[] = [];

  record(channel: string, request: SinkRequest): OutboxEntry {
    const { content } = request;
    const entry: OutboxEntry = {
      notificationId: request.notificationId,
      userId: request.userId,
      channel,
      type: request.type,
      to: request.to.length === 1 ? request.to[0]! : request.to,
      ...renderingOf(request),
      ...placementOf(request),
      ...(content.subject !== undefined ? { subject: content.subject } : {}),
      ...(content.title !== undefined ? { subject: content.title } : {}),
      body: content.text ?? content.body ?? "",
      ...(content.html !== undefined ? { html: content.html } : {}),
      ...(request.headers ? { headers: request.headers } : {}),
      ...(content.segments !== undefined ? { encoding: content.encoding, segments: content.segments } : {}),
      attempt: request.attempt,
      providerMessageId: `local-${randomUUID()}`,
      at: new Date().toISOString(),
    };
    this.entries.push(entry);
    return entry;
  }

  list(filter: { notificationId?: string | null; channel?: string | null; userId?: string | null }): OutboxEntry[] {
    return this.entries.filter(
      (entry) =>
        (!filter.notificationId || entry.notificationId === filter.notificationId) &&
        (!filter.channel || entry.channel === filter.channel) &&
        (!filter.userId || entry.userId === filter.userId),
    );
  }
}
