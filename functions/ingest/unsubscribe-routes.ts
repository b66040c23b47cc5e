import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { patchPreferences } from "#shared/workflows/preferences-patch.ts";
import { RequestError } from "#shared/domain/request-error.ts";
import type { PreferencesStore } from "#shared/adapters/stores/preferences-store.ts";
import { InvalidUnsubscribeToken, readUnsubscribeToken, unsubscribeKey, type UnsubscribeClaim } from "#shared/domain/unsubscribe-token.ts";
import { json } from "./http-response.ts";

export interface UnsubscribeDependencies {
  preferences: PreferencesStore;
  unsubscribeSecret: () => Promise<string>;
  now: () => number;
}

async function claimFrom(event: APIGatewayProxyEventV2, deps: UnsubscribeDependencies): Promise<UnsubscribeClaim> {
  const token = event.queryStringParameters?.token;
  if (!token) throw new RequestError("invalid_token", "the token query parameter is missing", [{ path: "token", message: "required" }]);
  try {
    return readUnsubscribeToken(token, unsubscribeKey(await deps.unsubscribeSecret()), deps.now());
  } catch (error) {
    if (error instanceof InvalidUnsubscribeToken) throw new RequestError("invalid_token", `the unsubscribe link is ${error.reason}`, [{ path: "token", message: error.reason }]);
    throw error;
  }
}

/**
 * RFC 8058 one-click target: mailbox providers POST `List-Unsubscribe=One-Click` here. Unsubscribing
 * from marketing sets the global marketing opt-out; any other category is switched off on its own.
 */
export async function unsubscribe(event: APIGatewayProxyEventV2, deps: UnsubscribeDependencies): Promise<APIGatewayProxyStructuredResultV2> {
  const { userId, category } = await claimFrom(event, deps);
  const updatedAt = new Date(deps.now()).toISOString();
  if (category === "marketing") {
    await deps.preferences.unsubscribe(userId, updatedAt);
  } else {
    await patchPreferences(deps.preferences, userId, { categories: { [category]: false } }, updatedAt);
  }
  return json(200, { unsubscribed: true, category });
}

/**
 * What a person who clicks the link sees: a confirmation button, never the change itself, because
 * mail scanners follow GET links on their own.
 */
export async function unsubscribePage(event: APIGatewayProxyEventV2, deps: UnsubscribeDependencies): Promise<APIGatewayProxyStructuredResultV2> {
  await claimFrom(event, deps);
  const action = `?token=${encodeURIComponent(event.queryStringParameters!.token!)}`;
  return {
    statusCode: 200,
    headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" },
    body: `<!doctype html><html><head><meta charset="utf-8"><title>Unsubscribe</title></head><body><form method="post" action="${action}"><input type="hidden" name="List-Unsubscribe" value="One-Click"><p>Stop receiving these emails?</p><button type="submit">Unsubscribe</button></form></body></html>`,
  };
}
