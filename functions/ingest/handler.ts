import { setTimeout as sleep } from "node:timers/promises";
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { DeliveryEventPublisher } from "#shared/adapters/delivery-event-publisher.ts";
import { NotificationPublisher } from "#shared/adapters/notification-publisher.ts";
import { ExpansionQueue } from "#shared/adapters/expansion-queue.ts";
import { RequestError } from "#shared/domain/request-error.ts";
import { DeliveriesStore } from "#shared/adapters/stores/deliveries-store.ts";
import { DeferredItems } from "#shared/adapters/stores/deferred-items.ts";
import { DeliveryCancellations } from "#shared/adapters/stores/delivery-cancellations.ts";
import { BroadcastCancellations } from "#shared/adapters/stores/broadcast-cancellations.ts";
import { AudienceStore } from "#shared/adapters/stores/audience-store.ts";
import { AnalyticsStore } from "#shared/adapters/stores/analytics-store.ts";
import { InboxStore } from "#shared/adapters/stores/inbox-store.ts";
import { PreferencesStore } from "#shared/adapters/stores/preferences-store.ts";
import { documents, kinesis, sns, sqs } from "../commons/clients.ts";
import { requiredEnv } from "../commons/env.ts";
import { templateStore } from "../commons/templates.ts";
import { logger, metrics, withPowertools } from "../commons/powertools.ts";
import { secretString } from "../commons/secrets.ts";
import { json, requestErrorResponse } from "./http-response.ts";
import { ROUTES, type IngestDependencies } from "./routes.ts";

const templates = templateStore();
const followUpsOf = async (type: string, version: number) => (await templates.version(type, version))?.followUps ?? [];
const events = new DeliveryEventPublisher(kinesis, requiredEnv("DELIVERY_EVENTS_STREAM_NAME"), (millis) => sleep(millis));
const dependencies: IngestDependencies = {
  publisher: new NotificationPublisher(sns, requiredEnv("NOTIFICATIONS_TOPIC_ARN"), (millis) => sleep(millis), Number(process.env.PUBLISH_BATCH_SIZE ?? 10)),
  expansion: new ExpansionQueue(sqs, requiredEnv("EXPANSION_QUEUE_URL"), (millis) => sleep(millis)),
  deliveries: new DeliveriesStore(documents, requiredEnv("DELIVERIES_TABLE_NAME")),
  deferred: new DeferredItems(documents, requiredEnv("DEFERRED_TABLE_NAME")),
  cancellations: new DeliveryCancellations(documents, requiredEnv("DELIVERIES_TABLE_NAME"), followUpsOf),
  broadcastCancellations: new BroadcastCancellations(documents, requiredEnv("DELIVERIES_TABLE_NAME"), events, (millis) => sleep(millis)),
  followUpsOf,
  templates,
  analytics: new AnalyticsStore(documents, requiredEnv("ANALYTICS_TABLE_NAME")),
  preferences: new PreferencesStore(documents, requiredEnv("PREFERENCES_TABLE_NAME")),
  inbox: new InboxStore(documents, requiredEnv("INBOX_TABLE_NAME")),
  audiences: new AudienceStore(documents, requiredEnv("AUDIENCES_TABLE_NAME"), (millis) => sleep(millis)),
  events,
  now: () => Date.now(),
  unsubscribeSecret: () => secretString(requiredEnv("UNSUBSCRIBE_SECRET_ARN")),
  onAccepted(notification) {
    metrics.addMetric("notificationsAccepted", MetricUnit.Count, 1);
    metrics.addMetric("messagesPublished", MetricUnit.Count, notification.userIds.length);
    logger.info("notification accepted", { notificationId: notification.notificationId, type: notification.type, recipients: notification.userIds.length, channels: notification.channels });
  },
  onBroadcastAccepted(broadcast) {
    metrics.addMetric("broadcastsAccepted", MetricUnit.Count, 1);
    logger.info("broadcast accepted", { ...broadcast });
  },
};

async function handleRequest(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  const route = ROUTES[event.routeKey];
  if (!route) return json(404, { error: { code: "not_found", message: `no route ${event.routeKey}` } });
  try {
    return await route(event, dependencies);
  } catch (error) {
    if (error instanceof RequestError) return requestErrorResponse(error);
    throw error;
  }
}

export const handler = withPowertools(handleRequest);
