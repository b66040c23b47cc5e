import { placementOf, renderingOf } from "#shared/domain/delivery-event.ts";
import type { InboxStore } from "#shared/adapters/stores/inbox-store.ts";
import type { ChannelProvider, SendRequest, SendResult } from "./provider.ts";

/** The in-app channel's "provider" is the user's inbox, which the stack owns. */
export class InboxProvider implements ChannelProvider {
  readonly name = "inbox";
  private readonly inbox: Pick<InboxStore, "add">;
  private readonly now: () => number;

  constructor(inbox: Pick<InboxStore, "add">, now: () => number) {
    this.inbox = inbox;
    this.now = now;
  }

  async send(request: SendRequest): Promise<SendResult> {
    if (request.channel !== "in_app" || !("title" in request.content)) return { ok: false, reason: `inbox cannot hold ${request.channel}` };
    const itemId = await this.inbox.add(
      { userId: request.userId, notificationId: request.notificationId, type: request.type, ...renderingOf(request), ...placementOf(request), title: request.content.title, body: request.content.body, publishedAt: request.publishedAt, attempt: request.attempt },
      new Date(this.now()).toISOString(),
    );
    return { ok: true, providerMessageId: itemId };
  }
}
