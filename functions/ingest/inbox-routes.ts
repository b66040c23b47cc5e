import { createHash } from "node:crypto";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { z } from "zod";
import { placementOf, deliveryEvent, renderingOf } from "#shared/domain/delivery-event.ts";
import type { DeliveryEventPublisher } from "#shared/adapters/delivery-event-publisher.ts";
import { RequestError } from "#shared/domain/request-error.ts";
import type { InboxItem, InboxStore } from "#shared/adapters/stores/inbox-store.ts";
import { toRequestIssues } from "#shared/domain/zod-issues.ts";
import { json } from "./http-response.ts";

export interface InboxDependencies {
  inbox: InboxStore;
  events: Pick<DeliveryEventPublisher, "publish">;
  now: () => number;
}

/** An inbox route acting for one user: named in the path, or the user token's. */
export type InboxRoute = (userId: string, event: APIGatewayProxyEventV2, deps: InboxDependencies) => Promise<APIGatewayProxyStructuredResultV2>;

const itemIdSchema = z.string().regex(/^\d{13}-[A-Za-z0-9._:-]{1,128}$/, "is not an inbox item id");
const pageSchema = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: itemIdSchema.optional(),
  archived: z.enum(["true", "false"]).default("false").transform((value) => value === "true"),
});

function parse<T>(schema: z.ZodType<T>, value: unknown, prefix: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new RequestError("invalid_request", `${prefix} is invalid`, toRequestIssues(parsed.error, prefix === "query" ? [] : [prefix]));
  return parsed.data;
}

/**
 * Newest first, `limit` at a time; pass `nextCursor` back as `cursor` for the next page. The answer
 * has an ETag: a poll that sends it back as If-None-Match gets an empty 304 while nothing changed.
 */
export const listInbox: InboxRoute = async (userId, event, deps) => {
  const { limit, cursor, archived } = parse(pageSchema, event.queryStringParameters ?? {}, "query");
  const [page, unread] = await Promise.all([deps.inbox.list(userId, limit, cursor, archived), deps.inbox.unreadCount(userId)]);
  const body = JSON.stringify({ userId, unread, items: page.items, ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) });
  const etag = `"${createHash("sha256").update(body).digest("base64url").slice(0, 27)}"`;
  const headers = { etag, "cache-control": "private, no-cache" };
  if (event.headers?.["if-none-match"] === etag) return { statusCode: 304, headers };
  return { statusCode: 200, headers: { "content-type": "application/json", ...headers }, body };
};

async function publishOpened(userId: string, items: InboxItem[], readAt: Date, deps: InboxDependencies): Promise<void> {
  if (!items.length) return;
  await deps.events.publish(items.map((item) => deliveryEvent({ notificationId: item.notificationId, type: item.type, ...renderingOf(item), ...placementOf(item), userId, channel: "in_app", status: "opened", attempt: 1 }, readAt)));
}

/**
 * Marks one item read; the first time, its delivery becomes `opened` through the event stream. The
 * event goes out before the item is marked: a publish that fails leaves it unread, so the retry
 * publishes again, and two reads racing publish the same event (one eventId), which the row keeps once.
 */
export const readInboxItem: InboxRoute = async (userId, event, deps) => {
  const itemId = parse(itemIdSchema, event.pathParameters?.itemId, "itemId");
  const readAt = new Date(deps.now());
  const item = await deps.inbox.get(userId, itemId);
  if (!item) throw new RequestError("not_found", `no inbox item ${itemId} for ${userId}`);
  if (item.read) return json(200, item);
  await publishOpened(userId, [item], readAt, deps);
  const result = await deps.inbox.markRead(userId, itemId, readAt.toISOString());
  return json(200, result?.item ?? item);
};

/**
 * Marks unread items read, up to 1,000 a call (`more: true` when some remain); each one read for the
 * first time makes its delivery `opened`, published page by page before the page is marked.
 */
export const readAllInboxItems: InboxRoute = async (userId, _event, deps) => {
  const readAt = new Date(deps.now());
  const { read, more } = await deps.inbox.markAllRead(userId, readAt.toISOString(), (unread) => publishOpened(userId, unread, readAt, deps));
  return json(200, { userId, read, more });
};

/** Archives one item: out of the inbox and its unread count, listed with `archived=true`. */
export const archiveInboxItem: InboxRoute = async (userId, event, deps) => {
  const itemId = parse(itemIdSchema, event.pathParameters?.itemId, "itemId");
  const item = await deps.inbox.archive(userId, itemId, new Date(deps.now()).toISOString());
  if (!item) throw new RequestError("not_found", `no inbox item ${itemId} for ${userId}`);
  return json(200, item);
};
