import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { CATEGORIES, isCritical, type Category } from "#shared/domain/categories.ts";
import { userIdSchema } from "#shared/domain/identifiers.ts";
import { withDefaults } from "#shared/domain/preferences.ts";
import { RequestError, type RequestIssue } from "#shared/domain/request-error.ts";
import type { PreferencesStore } from "#shared/adapters/stores/preferences-store.ts";
import { keepSuppressions, patchPreferences } from "#shared/workflows/preferences-patch.ts";
import { json } from "./http-response.ts";
import { jsonBody } from "./request-body.ts";
import { archiveInboxItem, listInbox, readAllInboxItems, readInboxItem, type InboxDependencies, type InboxRoute } from "./inbox-routes.ts";

export interface MeDependencies extends InboxDependencies {
  preferences: PreferencesStore;
}

type MeRoute = (event: APIGatewayProxyEventV2, deps: MeDependencies) => Promise<APIGatewayProxyStructuredResultV2>;

/**
 * Preferences the application sets, never the person in the browser: addresses (a changed one
 * would send their notifications elsewhere) and the stack's own bounce and complaint records.
 */
const APPLICATION_OWNED = ["email", "phone", "pushEndpoints", "channelSuppressions"] as const;

/**
 * The user the authorizer let through. API Gateway runs the authorizer before any /v1/me route, but
 * keeps its answer per token for notify:userTokenCacheSeconds, so a token that expired since is
 * refused here; a request without the authorizer's context (a route that lost it) is refused too.
 */
function tokenUser(event: APIGatewayProxyEventV2, now: number): string {
  const context = (event.requestContext as { authorizer?: { lambda?: { userId?: unknown; expiresAt?: unknown } } }).authorizer?.lambda;
  const userId = userIdSchema.safeParse(context?.userId);
  if (!userId.success || typeof context?.expiresAt !== "number") throw new RequestError("unauthorized", "a user token is required: Authorization: Bearer <token>");
  if (context.expiresAt * 1000 <= now) throw new RequestError("unauthorized", "the user token has expired");
  return userId.data;
}

const forTokenUser =
  (route: InboxRoute): MeRoute =>
  async (event, deps) =>
    route(tokenUser(event, deps.now()), event, deps);

function refusedPreferences(patch: unknown): RequestIssue[] {
  if (typeof patch !== "object" || patch === null || Array.isArray(patch)) return [];
  const body = patch as Record<string, unknown>;
  const issues: RequestIssue[] = APPLICATION_OWNED.filter((key) => key in body).map((key) => ({ path: key, message: "is set by the application, not from the browser" }));
  const categories = body.categories;
  if (typeof categories === "object" && categories !== null) {
    for (const category of Object.keys(categories)) {
      if (CATEGORIES.includes(category as Category) && isCritical(category as Category)) issues.push({ path: `categories.${category}`, message: "is critical and always delivered; it cannot be switched" });
    }
  }
  return issues;
}

const getMyPreferences: MeRoute = async (event, deps) => {
  const userId = tokenUser(event, deps.now());
  return json(200, { userId, ...withDefaults(await deps.preferences.get(userId)) });
};

/** JSON Merge Patch over the user's own switches, quiet hours, time zone and locale. */
const patchMyPreferences: MeRoute = async (event, deps) => {
  const userId = tokenUser(event, deps.now());
  const patch = jsonBody(event);
  const refused = refusedPreferences(patch);
  if (refused.length) throw new RequestError("invalid_request", "some preferences cannot be changed from the browser", refused);
  const patched = await patchPreferences(deps.preferences, userId, patch, new Date(deps.now()).toISOString(), keepSuppressions);
  return json(200, { userId, ...withDefaults(patched) });
};

/** The browser's routes, each acting only for the user its token names. */
export const ME_ROUTES: Record<string, MeRoute> = {
  "GET /v1/me/inbox": forTokenUser(listInbox),
  "POST /v1/me/inbox/{itemId}/read": forTokenUser(readInboxItem),
  "POST /v1/me/inbox/read-all": forTokenUser(readAllInboxItems),
  "POST /v1/me/inbox/{itemId}/archive": forTokenUser(archiveInboxItem),
  "GET /v1/me/preferences": getMyPreferences,
  "PATCH /v1/me/preferences": patchMyPreferences,
};
