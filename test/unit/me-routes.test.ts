import { describe, expect, it } from "vitest";
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { ME_ROUTES, type MeDependencies } from "#functions/ingest/me-routes.ts";
import { RequestError } from "#shared/domain/request-error.ts";

const now = Date.parse("2026-12-06T12:00:00Z");

/** What API Gateway hands a /v1/me route after the authorizer let it through (maybe from its cache). */
function authorized(routeKey: string, context: Record<string, unknown> | undefined): APIGatewayProxyEventV2 {
  return { routeKey, requestContext: context ? { authorizer: { lambda: context } } : {} } as unknown as APIGatewayProxyEventV2;
}

const deps = { now: () => now, preferences: { get: async () => ({ locale: "pt" }) } } as unknown as MeDependencies;

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return "answered";
  } catch (error) {
    if (error instanceof RequestError) return error.code;
    throw error;
  }
}

describe("the /v1/me routes behind the authorizer", () => {
  it("refuse a token that expired while API Gateway still keeps the authorizer's answer", async () => {
    for (const [routeKey, route] of Object.entries(ME_ROUTES)) {
      expect(await codeOf(route(authorized(routeKey, { userId: "ada", expiresAt: now / 1000 }), deps)), routeKey).toBe("unauthorized");
    }
  });

  it("refuse a request that reached them without the authorizer's context", async () => {
    for (const [routeKey, route] of Object.entries(ME_ROUTES)) expect(await codeOf(route(authorized(routeKey, undefined), deps)), routeKey).toBe("unauthorized");
  });

  it("act for the user the authorizer named while the token is valid", async () => {
    const answer = await ME_ROUTES["GET /v1/me/preferences"]!(authorized("GET /v1/me/preferences", { userId: "ada", expiresAt: now / 1000 + 60 }), deps);
    expect(JSON.parse(answer.body!)).toMatchObject({ userId: "ada", locale: "pt" });
  });
});
