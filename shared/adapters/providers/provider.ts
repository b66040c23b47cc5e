import type { Channel } from "#shared/domain/channels.ts";
import type { Category } from "#shared/domain/categories.ts";
import type { Rendering } from "#shared/domain/delivery-event.ts";
import type { RenderedContent } from "#shared/domain/templates/render.ts";

/** Rendering: the template version and variant, which providers carry back in their reports. */
export interface SendRequest extends Rendering {
  notificationId: string;
  userId: string;
  channel: Channel;
  /** The notification's template type, e.g. "order.shipped"; providers tag messages with it. */
  type: string;
  category: Category;
  /** Addresses from the user's preferences: one email, one phone, several push endpoints, or the user id for in_app. */
  to: string[];
  content: RenderedContent;
  attempt: number;
  /** When the notification was published. */
  publishedAt: string;
  /** On a broadcast's delivery: its row shards, which the provider's reports must name to find the row. */
  rowShards?: number;
}

/** Outcomes are values; a permanent failure is not retried. A retryable fault throws TransientProviderError. */
export type SendResult = { ok: true; providerMessageId: string } | { ok: false; reason: string };

export interface ChannelProvider {
  readonly name: string;
  send(request: SendRequest): Promise<SendResult>;
}

/** A fault a retry can fix (throttling, a 5xx, a timeout): the record fails alone and comes back. */
export class TransientProviderError extends Error {
  /** The provider asked us to slow down (HTTP 429, ThrottlingException): back off longer. */
  readonly throttled: boolean;
  constructor(message: string, options?: { cause?: unknown; throttled?: boolean }) {
    super(message, options);
    this.name = "TransientProviderError";
    this.throttled = options?.throttled ?? false;
  }
}
