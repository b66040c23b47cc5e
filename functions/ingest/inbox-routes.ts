import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { z } from "zod";
import { deliveryEvent, renderingOf } from "#shared/domain/delivery-event.ts";
import type { DeliveryEventPublisher } from "#shared/adapters/delivery-event-publisher.ts";
import { userIdSchema } from "#shared/domain/identifiers.ts";
import { RequestError } from "#shared/domain/request-error.ts";
import type { InboxStore } from "#shared/adapters/stores/inbox-store.ts";
import { toRequestIssues } from "#shared/domain/zod-issues.ts";
import { json } from "./http-response.ts";

export interface InboxDependencies {
  inbox: InboxStore;
  events: Pick<DeliveryEventPublisher, "publish">;
  now: () => number;
}

const itemIdSchema = z.string().regex(/^\d{13}-[A-Za-z0-9._:-]{1,128}$/, "is not an inbox item id");
const pageSchema = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: itemIdSchema.optional(),
});

function parse<T>(schema: z.ZodType<T>, value: unknown, prefix: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new RequestError("invalid_request", `${prefix} is invalid`, toRequestIssues(parsed.error, prefix === "query" ? [] : [prefix]));
  return parsed.data;
}

/** Newest first, `limit` at a time; pass `nextCursor` back as `cursor` for the next page. */
export async function listInbox(event: APIGatewayProxyEventV2, deps: InboxDependencies): Promise<APIGatewayProxyStructuredResultV2> {
  const userId = parse(userIdSchema, event.pathParameters?.userId, "userId");
  const { limit, cursor } = parse(pageSchema, event.queryStringParameters ?? {}, "query");
  const [page, unread] = await Promise.all([deps.inbox.list(userId, limit, cursor), deps.inbox.unreadCount(userId)]);
  return json(200, { userId, unread, items: page.items, ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) });
}

/** Marks one item read; the first time, its delivery becomes `opened` through the event stream. */
export async function readInboxItem(event: APIGatewayProxyEventV2, deps: InboxDependencies): Promise<APIGatewayProxyStructuredResultV2> {
  const userId = parse(userIdSchema, event.pathParameters?.userId, "userId");
  const itemId = parse(itemIdSchema, event.pathParameters?.itemId, "itemId");
  const readAt = new Date(deps.now());
  const result = await deps.inbox.markRead(userId, itemId, readAt.toISOString());
  if (!result) throw new RequestError("not_found", `no inbox item ${itemId} for ${userId}`);
  if (result.firstRead) {
    await deps.events.publish([deliveryEvent({ notificationId: result.item.notificationId, type: result.item.type, ...renderingOf(result.item), userId, channel: "in_app", status: "opened", attempt: 1 }, readAt)]);
  }
  return json(200, result.item);
}
