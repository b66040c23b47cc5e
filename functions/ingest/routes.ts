import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { channelMessagesFor } from "#shared/domain/channel-message.ts";
import { notificationIdSchema, userIdSchema } from "#shared/domain/identifiers.ts";
import { acceptPublishRequest, type AcceptedBroadcast, type AcceptedNotification } from "#shared/domain/notification-request.ts";
import { firstCancelPages, firstPages, type BroadcastMessage } from "#shared/domain/broadcast-expansion.ts";
import type { FollowUp } from "#shared/domain/follow-up-rule.ts";
import { BUILT_IN_VERSION } from "#shared/domain/templates/template-definition.ts";
import type { BroadcastCancellations } from "#shared/adapters/stores/broadcast-cancellations.ts";
import { decodeDeliveriesCursor, type AcceptedBroadcastView } from "#shared/adapters/stores/deliveries-store.ts";
import type { ExpansionQueue } from "#shared/adapters/expansion-queue.ts";
import { PublishIncompleteError, type NotificationPublisher } from "#shared/adapters/notification-publisher.ts";
import { preferencesSchema, withDefaults } from "#shared/domain/preferences.ts";
import { patchPreferences } from "#shared/workflows/preferences-patch.ts";
import { RequestError } from "#shared/domain/request-error.ts";
import type { DeliveriesStore } from "#shared/adapters/stores/deliveries-store.ts";
import type { DeferredItems } from "#shared/adapters/stores/deferred-items.ts";
import type { DeliveryCancellations } from "#shared/adapters/stores/delivery-cancellations.ts";
import type { PreferencesStore } from "#shared/adapters/stores/preferences-store.ts";
import { toRequestIssues } from "#shared/domain/zod-issues.ts";
import { json } from "./http-response.ts";
import { jsonBody } from "./request-body.ts";
import { listInbox, readInboxItem, type InboxDependencies, type InboxRoute } from "./inbox-routes.ts";
import { ME_ROUTES } from "./me-routes.ts";
import { preferenceCenter, savePreferenceCenter } from "./preference-center-routes.ts";
import { unsubscribe, unsubscribePage, type UnsubscribeDependencies } from "./unsubscribe-routes.ts";
import { changeMembers, getAudience, listMembers, putAudience, type AudienceDependencies } from "./audience-routes.ts";
import { activateTemplate, getTemplate, listTemplates, previewTemplate, putTemplate, type TemplateDependencies } from "./template-routes.ts";
import { templateTypeSchema, type TemplateVariant } from "#shared/domain/templates/template-document.ts";
import { acceptedDeltas } from "#shared/domain/engagement-analytics.ts";
import type { AnalyticsStore } from "#shared/adapters/stores/analytics-store.ts";
import { readAnalytics, type AnalyticsDependencies } from "./analytics-routes.ts";

export interface IngestDependencies extends UnsubscribeDependencies, InboxDependencies, AudienceDependencies, TemplateDependencies, AnalyticsDependencies {
  analytics: Pick<AnalyticsStore, "add" | "items">;
  onAccepted(notification: AcceptedNotification): void;
  onBroadcastAccepted(broadcast: AcceptedBroadcastView): void;
  publisher: NotificationPublisher;
  expansion: Pick<ExpansionQueue, "queue">;
  deliveries: DeliveriesStore;
  /** Where a notification or broadcast accepted with sendAt waits for the sweeper. */
  deferred: Pick<DeferredItems, "schedule" | "scheduleBroadcast">;
  cancellations: Pick<DeliveryCancellations, "cancel">;
  broadcastCancellations: Pick<BroadcastCancellations, "mark">;
  /** The follow-up rules of a template version: a broadcast's cancel takes back its pending escalations too. */
  followUpsOf(type: string, version: number): Promise<readonly FollowUp[]>;
  preferences: PreferencesStore;
  now: () => number;
}

type Route = (event: APIGatewayProxyEventV2, deps: IngestDependencies) => Promise<APIGatewayProxyStructuredResultV2>;

function pathParameter(event: APIGatewayProxyEventV2, name: string, schema: typeof userIdSchema): string {
  const parsed = schema.safeParse(event.pathParameters?.[name]);
  if (!parsed.success) throw new RequestError("invalid_request", `path parameter ${name} is invalid`, toRequestIssues(parsed.error, [name]));
  return parsed.data;
}

const publishIncomplete = (notificationId: string, error: PublishIncompleteError) =>
  // Retrying with the same notificationId is safe: every repeated message still sends once.
  json(503, { notificationId, error: { code: "publish_incomplete", message: `${error.failed} messages were not accepted; retry with the same notificationId` } });

const publishNotification: Route = async (event, deps) => {
  const body = jsonBody(event);
  // The active version, read before the request is checked against it: the request names its type.
  const type = (body as { type?: unknown } | null)?.type;
  const template = typeof type === "string" && templateTypeSchema.safeParse(type).success ? await deps.templates.active(type) : undefined;
  const accepted = acceptPublishRequest(body, undefined, deps.now, () => template);
  if (accepted.kind === "broadcast") return publishBroadcast(accepted.broadcast, deps);
  const { notification } = accepted;
  if (notification.sendAt !== undefined) return scheduleNotification({ ...notification, sendAt: notification.sendAt }, template?.variants, deps);
  const acceptedAt = new Date(deps.now()).toISOString();
  // The header goes first so GET finds the notification as soon as any delivery event arrives; the
  // first acceptance stands, and only it counts as accepted.
  if (await deps.deliveries.recordAccepted(notification, acceptedAt)) await deps.analytics.add(acceptedDeltas(notification, template?.variants, acceptedAt).entries());
  try {
    await deps.publisher.publish(channelMessagesFor(notification, acceptedAt));
  } catch (error) {
    if (!(error instanceof PublishIncompleteError)) throw error;
    return publishIncomplete(notification.notificationId, error);
  }
  deps.onAccepted(notification);
  return json(202, { notificationId: notification.notificationId, recipients: notification.userIds.length, channels: notification.channels });
};

/**
 * A notification with sendAt is held in the deferred table, which the sweeper releases when it is
 * due; its deliveries are recorded as `scheduled`. The header goes last, so a publish that failed
 * part way is redone in full by its retry, and a retry after acceptance (or after a cancel) changes
 * nothing.
 */
async function scheduleNotification(notification: AcceptedNotification & { sendAt: string }, variants: readonly TemplateVariant[] | undefined, deps: IngestDependencies) {
  const answer = json(202, { notificationId: notification.notificationId, recipients: notification.userIds.length, channels: notification.channels, sendAt: notification.sendAt });
  if (await deps.deliveries.isAccepted(notification.notificationId)) return answer;
  const acceptedAt = new Date(deps.now()).toISOString();
  await deps.deferred.schedule(notification, acceptedAt);
  await deps.deliveries.recordScheduled(notification, acceptedAt);
  if (await deps.deliveries.recordAccepted(notification, acceptedAt)) await deps.analytics.add(acceptedDeltas(notification, variants, acceptedAt).entries());
  deps.onAccepted(notification);
  return answer;
}

/**
 * A broadcast is accepted by recording its header and queuing the first page of each shard; the
 * expander reads the members from there. A retry after a 503 finds the header and queues again,
 * which the queue's deduplication and the checkpoints make harmless.
 */
async function publishBroadcast(broadcast: AcceptedBroadcast, deps: IngestDependencies) {
  const audience = await deps.audiences.get(broadcast.audience);
  if (!audience) throw new RequestError("unknown_audience", `no audience ${broadcast.audience}`, [{ path: "audience", message: "no audience with this id" }]);
  const accepted = await deps.deliveries.recordBroadcastAccepted(broadcast, audience.members, new Date(deps.now()).toISOString());
  if (accepted.sendAt !== undefined) {
    // Expanded when due, with the members the audience has then; the item is the same on a retry.
    await deps.deferred.scheduleBroadcast(accepted.notificationId, accepted.audience, accepted.sendAt);
    deps.onBroadcastAccepted(accepted);
    return json(202, accepted);
  }
  try {
    await deps.expansion.queue(firstPages(accepted.notificationId, accepted.audience));
  } catch (error) {
    if (!(error instanceof PublishIncompleteError)) throw error;
    return publishIncomplete(accepted.notificationId, error);
  }
  deps.onBroadcastAccepted(accepted);
  return json(202, accepted);
}

const getNotification: Route = async (event, deps) => {
  const notificationId = pathParameter(event, "id", notificationIdSchema);
  const cursor = event.queryStringParameters?.cursor;
  const from = cursor === undefined ? undefined : decodeDeliveriesCursor(cursor);
  if (cursor !== undefined && from === undefined) throw new RequestError("invalid_request", "cursor is not one this API returned", [{ path: "cursor", message: "not a deliveries cursor" }]);
  const view = await deps.deliveries.get(notificationId, from);
  if (!view) throw new RequestError("not_found", `no notification ${notificationId}`);
  return json(200, view);
};

/**
 * A broadcast's cancel is marked at once (no expansion page publishes after it) and carried out by
 * the expander, shard by shard, a page of members at a time. The answer says how far it has come;
 * GET follows it to the end. Calling it again queues nothing new (the pages' deduplication and
 * checkpoints) and answers the progress.
 */
async function cancelBroadcast(broadcast: BroadcastMessage, deps: IngestDependencies) {
  const { notificationId, audience } = broadcast;
  await deps.broadcastCancellations.mark(notificationId, deps.now());
  const rules = await deps.followUpsOf(broadcast.type, broadcast.templateVersion ?? BUILT_IN_VERSION);
  const escalations = rules.flatMap((rule) => (rule.kind === "escalation" && broadcast.channels.includes(rule.from) && !broadcast.channels.includes(rule.to) ? [{ from: rule.from, to: rule.to }] : []));
  await deps.expansion.queue(firstCancelPages(notificationId, audience, escalations));
  const { expansion, cancel } = (await deps.deliveries.broadcastOverview(notificationId))!;
  return json(cancel?.status === "done" ? 200 : 202, { notificationId, canceled: cancel?.canceled ?? 0, expansion, cancel });
}

const cancelNotification: Route = async (event, deps) => {
  const notificationId = pathParameter(event, "id", notificationIdSchema);
  const broadcast = await deps.deliveries.broadcastOf(notificationId);
  if (broadcast) return cancelBroadcast(broadcast, deps);
  const result = await deps.cancellations.cancel(notificationId, deps.now());
  if (!result) throw new RequestError("not_found", `no notification ${notificationId}`);
  return json(200, { notificationId, canceled: result.canceled });
};

const putPreferences: Route = async (event, deps) => {
  const userId = pathParameter(event, "userId", userIdSchema);
  const parsed = preferencesSchema.safeParse(jsonBody(event));
  if (!parsed.success) throw new RequestError("invalid_request", "the preferences do not match the expected shape", toRequestIssues(parsed.error));
  await deps.preferences.put(userId, parsed.data, new Date(deps.now()).toISOString());
  return json(200, { userId, ...withDefaults(parsed.data) });
};

const patchUserPreferences: Route = async (event, deps) => {
  const userId = pathParameter(event, "userId", userIdSchema);
  const patched = await patchPreferences(deps.preferences, userId, jsonBody(event), new Date(deps.now()).toISOString());
  return json(200, { userId, ...withDefaults(patched) });
};

const getPreferences: Route = async (event, deps) => {
  const userId = pathParameter(event, "userId", userIdSchema);
  return json(200, { userId, ...withDefaults(await deps.preferences.get(userId)) });
};

const forPathUser =
  (route: InboxRoute): Route =>
  (event, deps) =>
    route(pathParameter(event, "userId", userIdSchema), event, deps);

/** Keyed by API Gateway's routeKey, which is exactly the route declared in the HTTP API. */
export const ROUTES: Record<string, Route> = {
  "POST /v1/notifications": publishNotification,
  "GET /v1/notifications/{id}": getNotification,
  "DELETE /v1/notifications/{id}": cancelNotification,
  "PUT /v1/users/{userId}/preferences": putPreferences,
  "PATCH /v1/users/{userId}/preferences": patchUserPreferences,
  "GET /v1/users/{userId}/preferences": getPreferences,
  "GET /v1/users/{userId}/inbox": forPathUser(listInbox),
  "POST /v1/users/{userId}/inbox/{itemId}/read": forPathUser(readInboxItem),
  "PUT /v1/audiences/{audienceId}": putAudience,
  "GET /v1/audiences/{audienceId}": getAudience,
  "POST /v1/audiences/{audienceId}/members": changeMembers,
  "GET /v1/audiences/{audienceId}/members": listMembers,
  "GET /v1/analytics": readAnalytics,
  "GET /v1/templates": listTemplates,
  "GET /v1/templates/{type}": getTemplate,
  "PUT /v1/templates/{type}": putTemplate,
  "POST /v1/templates/{type}/activate": activateTemplate,
  "POST /v1/templates/{type}/preview": previewTemplate,
  "POST /v1/unsubscribe": unsubscribe,
  "GET /v1/unsubscribe": unsubscribePage,
  "GET /v1/preferences-center": preferenceCenter,
  "POST /v1/preferences-center": savePreferenceCenter,
  ...ME_ROUTES,
};
