import type { Channel } from "../domain/channels.ts";
import type { ChannelMessage } from "../domain/channel-message.ts";
import { decideDelivery } from "../domain/delivery-decision.ts";
import { followUpsAfter } from "../domain/follow-ups.ts";
import type { NotificationPublisher } from "../adapters/notification-publisher.ts";
import { deliveryEvent, placementOf, renderingOf, type DeliveryEvent, type DeliveryOutcome } from "../domain/delivery-event.ts";
import type { DeliveryEventPublisher } from "../adapters/delivery-event-publisher.ts";
import { withDefaults } from "../domain/preferences.ts";
import { TransientProviderError, type ChannelProvider } from "../adapters/providers/provider.ts";
import type { DedupClaims } from "../adapters/stores/dedup-claims.ts";
import type { DeferredItems } from "../adapters/stores/deferred-items.ts";
import type { PreferencesStore } from "../adapters/stores/preferences-store.ts";
import type { SentMessages } from "../adapters/stores/sent-messages.ts";
import type { TemplateSource } from "../domain/templates/registry.ts";
import { BUILT_IN_VERSION } from "../domain/templates/template-definition.ts";
import { RenderError, renderContent, resolveContent } from "../domain/templates/render.ts";
import { assignVariant } from "../domain/templates/variant-assignment.ts";
import type { EmailLinks } from "../adapters/email-links.ts";
import { withPreferenceCenterLink } from "../domain/templates/email-footer.ts";
import { joinDigest, pastThrottle, type GroupingDependencies } from "./group-in-time.ts";

export interface DeliverDependencies {
  channel: Channel;
  /** The template version each message was accepted with. */
  templates: Pick<TemplateSource, "version">;
  preferences: Pick<PreferencesStore, "get">;
  claims: Pick<DedupClaims, "claim" | "complete" | "release" | "isCanceled">;
  deferred: Pick<DeferredItems, "hold">;
  /** Publishes fallbacks to the notifications topic. */
  followUps: Pick<NotificationPublisher, "publish">;
  /**
   * Needed by the email channel: every email links the preference center, and marketing ones carry
   * a one-click unsubscribe link. Absent on a stack without the HTTP API, which serves neither.
   */
  emailLinks?: Pick<EmailLinks, "unsubscribe" | "preferenceCenter">;
  provider: ChannelProvider;
  /** For providers whose receipts name only their own message id (SNS mobile push). */
  sentMessages?: Pick<SentMessages, "record">;
  events: Pick<DeliveryEventPublisher, "publish">;
  /** Throttles and digests; without them a template's digest and throttle are not applied. */
  grouping?: GroupingDependencies;
  /** The channel's send rate, when one is configured: false holds the message back for later. */
  sendRate?: { admit(message: ChannelMessage): Promise<boolean> };
  now: () => number;
  newToken: () => string;
}

/**
 * What happened to one (notification, user, channel): an outcome; "duplicate" when an earlier
 * attempt already finished it; "redundant" when another message for it is in flight and owns it;
 * "held" when the channel's send rate had no room before the worker must stop waiting.
 */
export type DeliveryResult =
  | { kind: "outcome"; event: DeliveryEvent; /** How long the provider took, when it was called. */ providerMillis?: number }
  | { kind: "duplicate"; event: DeliveryEvent }
  | { kind: "redundant" }
  | { kind: "held" };

export interface Receipt {
  /** ApproximateReceiveCount: 1 on the first delivery. */
  attempt: number;
  /** The SQS message id, which owns the dedup claim it takes. */
  messageId: string;
}

/** Another attempt holds the claim; the record is retried once the lease has run out. */
export class ClaimBusyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ClaimBusyError";
  }
}

/**
 * One channel's delivery of one message: its digest (which may take it), preferences, its throttle,
 * then the dedup claim, render, send, mark (which writes the outcome to the delivery's row), and the
 * outcome on the stream. Throws only for what a retry can fix; every other path ends in an
 * event, so the deliveries table always learns what happened.
 */
export async function deliver(message: ChannelMessage, { attempt, messageId }: Receipt, deps: DeliverDependencies): Promise<DeliveryResult> {
  const { channel } = deps;
  const key = { notificationId: message.notificationId, userId: message.userId, channel, ...placementOf(message) };
  // The version active when the notification was accepted: a later change never alters what is in flight.
  const template = await deps.templates.version(message.type, message.templateVersion ?? BUILT_IN_VERSION);
  // The same recipient of a notification gets the same variant on every channel and every retry.
  const variant = template && assignVariant(template.variants, message.notificationId, message.userId);
  const rendering = renderingOf({ templateVersion: template?.version, variant });
  const outcome = (fields: Omit<DeliveryOutcome, "notificationId" | "userId" | "channel" | "attempt" | "type">): DeliveryEvent =>
    deliveryEvent({ ...key, type: message.type, attempt, ...(message.audience === undefined ? {} : { audience: message.audience }), ...rendering, ...fields }, new Date(deps.now()));
  // Follow-ups and the sent-message index are written before the outcome is recorded: if they
  // fail, the record is retried and they are written again (each is harmless to repeat).
  const emit = async (result: Extract<DeliveryResult, { event: DeliveryEvent }>): Promise<DeliveryResult> => {
    const { status, providerMessageId } = result.event;
    if (deps.sentMessages && status === "sent" && providerMessageId) {
      await deps.sentMessages.record(providerMessageId.split(",").filter(Boolean), { ...key, type: message.type, ...rendering });
    }
    const actions = template ? followUpsAfter(template, message, result.event, deps.now()) : [];
    // An outcome reached before the claim (suppressed, say) does not see a cancel; its fallback would
    // send what the cancel took back. Read only when a fallback is due, which is rare.
    const fallbackCanceled = actions.some((action) => action.send === "now") && (await deps.claims.isCanceled(key));
    for (const action of actions) {
      if (action.send === "now" && !fallbackCanceled) await deps.followUps.publish([action.message]);
      else if (action.send === "later") await deps.deferred.hold(action.message, action.channel, action.dueAt, action.unless);
    }
    await deps.events.publish([result.event]);
    return result;
  };

  // A digest comes first: preferences, quiet hours and rates apply to the digest when it is sent.
  const grouping = deps.grouping && template && (await joinDigest(message, channel, template, deps.grouping));
  if (grouping?.status === "settled") return { kind: "redundant" };
  if (grouping) return emit({ kind: "outcome", event: outcome(grouping) });

  const preferences = withDefaults(await deps.preferences.get(message.userId));
  const decision = decideDelivery({ channel, userId: message.userId, category: message.category, preferences, now: deps.now(), released: message.releasedAt !== undefined });
  if (decision.action === "suppress") return emit({ kind: "outcome", event: outcome({ status: "suppressed", reason: decision.reason }) });
  if (decision.action === "defer") {
    await deps.deferred.hold(message, channel, decision.until);
    return emit({ kind: "outcome", event: outcome({ status: "deferred", reason: "quiet_hours" }) });
  }

  if (!template) return emit({ kind: "outcome", event: outcome({ status: "failed", reason: `unknown_type: ${message.type} version ${message.templateVersion ?? BUILT_IN_VERSION}` }) });
  // Only what would be sent counts toward a throttle; past it, a template with a digest has joined one above.
  if (deps.grouping && template.throttle && !template.digest && !message.digest && (await pastThrottle(message, channel, template.type, template.throttle, deps.grouping))) {
    return emit({ kind: "outcome", event: outcome({ status: "suppressed", reason: "throttled" }) });
  }
  const marketing = message.category === "marketing" || template.category === "marketing";
  const needsUnsubscribeLink = channel === "email" && marketing;
  // Marketing email without a one-click unsubscribe link must not go out (RFC 8058, bulk-sender rules); a stack without the HTTP API has none.
  if (needsUnsubscribeLink && !deps.emailLinks) return emit({ kind: "outcome", event: outcome({ status: "failed", reason: "no_unsubscribe_link: marketing email needs the HTTP API's unsubscribe route" }) });
  const unsubscribeUrl = needsUnsubscribeLink ? await deps.emailLinks!.unsubscribe(message.userId, "marketing") : undefined;
  let rendered;
  try {
    rendered = renderContent(template, channel, message.data, { locale: preferences.locale, unsubscribeUrl, variant });
  } catch (error) {
    if (error instanceof RenderError) return emit({ kind: "outcome", event: outcome({ status: "failed", reason: `render_failed: ${error.message}` }) });
    throw error;
  }
  // The footer in the language the content was found in, so an email never mixes two.
  const content =
    "html" in rendered && deps.emailLinks ? withPreferenceCenterLink(rendered, await deps.emailLinks.preferenceCenter(message.userId), resolveContent(template, channel, preferences.locale, variant).locale) : rendered;
  // Only sends count toward the rate, so suppressed and deferred messages never wait for it.
  if (deps.sendRate && !(await deps.sendRate.admit(message))) return { kind: "held" };

  const claim = await deps.claims.claim(key, deps.newToken(), messageId);
  if (claim.kind === "owned_elsewhere") return { kind: "redundant" };
  if (claim.kind === "busy") throw new ClaimBusyError(`${message.notificationId}/${channel} is being sent by another attempt`);
  // Canceled before any send claimed it: the cancel wrote the row; the same event again changes nothing.
  if (claim.kind === "already_done" && claim.status === "canceled") return emit({ kind: "duplicate", event: outcome({ status: "canceled" }) });
  if (claim.kind === "already_done") {
    // Re-emitting the recorded outcome heals a crash between the mark and the event; the events function is idempotent.
    return emit({ kind: "duplicate", event: outcome({ status: claim.status === "failed" ? "failed" : "sent", provider: deps.provider.name, providerMessageId: claim.providerMessageId }) });
  }

  let result;
  const sendStarted = deps.now();
  try {
    result = await deps.provider.send({ ...key, type: message.type, category: message.category, to: decision.to, content, attempt, publishedAt: message.publishedAt, ...rendering });
  } catch (error) {
    await deps.claims.release(key, claim.token);
    if (error instanceof TransientProviderError) throw error;
    throw new TransientProviderError(`${deps.provider.name} threw unexpectedly: ${(error as Error).message}`, { cause: error });
  }

  const providerMillis = deps.now() - sendStarted;
  const event = result.ok
    ? outcome({ status: "sent", provider: deps.provider.name, providerMessageId: result.providerMessageId })
    : outcome({ status: "failed", reason: result.reason, provider: deps.provider.name });
  await deps.claims.complete(key, claim.token, event);
  return emit({ kind: "outcome", event: { ...event, recordedInRow: true }, providerMillis });
}
