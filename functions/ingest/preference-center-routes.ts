import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { PreferenceCenterFormError, describeChanges, preferencesFromForm } from "#shared/domain/preference-center-form.ts";
import { RequestError } from "#shared/domain/request-error.ts";
import { InvalidUnsubscribeToken, PREFERENCE_CENTER_CATEGORY, preferenceCenterKey, readUnsubscribeToken } from "#shared/domain/unsubscribe-token.ts";
import { keepSuppressions, updatePreferences } from "#shared/workflows/preferences-patch.ts";
import { preferenceCenterPage, preferenceCenterRefusal } from "./preference-center-page.ts";
import type { UnsubscribeDependencies } from "./unsubscribe-routes.ts";

const REFUSALS: Record<InvalidUnsubscribeToken["reason"], string> = { malformed: "is incomplete", forged: "is not one we sent", expired: "has expired" };

function page(statusCode: number, body: string): APIGatewayProxyStructuredResultV2 {
  // The token in the URL is a credential: no caching, no referrer, no framing by other sites.
  return {
    statusCode,
    headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store", "referrer-policy": "no-referrer", "x-frame-options": "DENY", "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'" },
    body,
  };
}

/** The user the link names, or the page that says why the link cannot be used. */
async function linkUser(event: APIGatewayProxyEventV2, deps: UnsubscribeDependencies): Promise<{ userId: string; action: string } | { refused: APIGatewayProxyStructuredResultV2 }> {
  const token = event.queryStringParameters?.token;
  if (!token) return { refused: page(400, preferenceCenterRefusal("has no token")) };
  try {
    const claim = readUnsubscribeToken(token, preferenceCenterKey(await deps.unsubscribeSecret()), deps.now());
    if (claim.category !== PREFERENCE_CENTER_CATEGORY) return { refused: page(400, preferenceCenterRefusal("is not one we sent")) };
    return { userId: claim.userId, action: `?token=${encodeURIComponent(token)}` };
  } catch (error) {
    if (error instanceof InvalidUnsubscribeToken) return { refused: page(400, preferenceCenterRefusal(REFUSALS[error.reason])) };
    throw error;
  }
}

export async function preferenceCenter(event: APIGatewayProxyEventV2, deps: UnsubscribeDependencies): Promise<APIGatewayProxyStructuredResultV2> {
  const user = await linkUser(event, deps);
  if ("refused" in user) return user.refused;
  return page(200, preferenceCenterPage({ preferences: await deps.preferences.get(user.userId), action: user.action }));
}

/** A plain form post: saves, then shows the form again with what changed. */
export async function savePreferenceCenter(event: APIGatewayProxyEventV2, deps: UnsubscribeDependencies): Promise<APIGatewayProxyStructuredResultV2> {
  const user = await linkUser(event, deps);
  if ("refused" in user) return user.refused;
  const raw = event.body === undefined ? "" : event.isBase64Encoded ? Buffer.from(event.body, "base64").toString("utf8") : event.body;
  const form = new URLSearchParams(raw);
  let before: Awaited<ReturnType<typeof deps.preferences.get>>;
  try {
    const after = await updatePreferences(
      deps.preferences,
      user.userId,
      (stored) => {
        before = stored;
        return preferencesFromForm(form, stored ?? {});
      },
      new Date(deps.now()).toISOString(),
      keepSuppressions,
    );
    return page(200, preferenceCenterPage({ preferences: after, action: user.action, saved: describeChanges(before, after) }));
  } catch (error) {
    const problem =
      error instanceof PreferenceCenterFormError ? { field: error.field, message: error.message }
      : error instanceof RequestError ? { field: error.issues?.[0]?.path ?? "form", message: error.issues?.map((issue) => `${issue.path} ${issue.message}`).join("; ") ?? error.message }
      : undefined;
    if (!problem) throw error;
    return page(400, preferenceCenterPage({ preferences: await deps.preferences.get(user.userId), action: user.action, problem }));
  }
}
