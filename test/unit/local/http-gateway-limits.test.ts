import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HttpGateway } from "#infra/local/http-gateway.ts";
import { payloadTooLarge, type InvokeResult, type LocalFunction } from "#infra/local/local-function.ts";
import { AWS_LIMITS } from "#shared/adapters/aws-limits.ts";

/** A function that answers after `millis`, refusing what Lambda would refuse, as LocalFunction does. */
function answeringAfter(millis: number): LocalFunction {
  return {
    invoke: async (event: unknown): Promise<InvokeResult> => {
      const tooLarge = payloadTooLarge(event, "RequestResponse");
      if (tooLarge) return { ok: false, error: tooLarge };
      await new Promise((resolve) => setTimeout(resolve, millis));
      return { ok: true, result: { statusCode: 200, body: "{}" } };
    },
  } as unknown as LocalFunction;
}

const INTEGRATION_TIMEOUT_MILLIS = 200;
const gateway = new HttpGateway(async () => false, INTEGRATION_TIMEOUT_MILLIS);
let url: string;

beforeAll(async () => {
  url = await gateway.listen(0);
  gateway.setRoutes([
    { routeKey: "POST /quick", function: answeringAfter(0) },
    { routeKey: "POST /slow", function: answeringAfter(INTEGRATION_TIMEOUT_MILLIS * 5) },
  ]);
});
afterAll(() => gateway.close());

const post = async (path: string, bytes = 2) => {
  const response = await fetch(`${url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify("x".repeat(bytes - 2)) });
  return { status: response.status, body: await response.json() };
};

describe("API Gateway's limits on the local HTTP API", () => {
  it("answers 503 when the integration outlives its timeout, as API Gateway does after 30 s", async () => {
    expect(AWS_LIMITS.httpApi.integrationTimeoutMillis).toBe(30_000);
    expect(await post("/slow")).toEqual({ status: 503, body: { message: "Service Unavailable" } });
    expect(await post("/quick")).toMatchObject({ status: 200 });
  });

  it("answers 413 to a body over 10 MB without invoking the function", async () => {
    expect(await post("/quick", AWS_LIMITS.httpApi.payloadBytes + 1)).toEqual({ status: 413, body: { message: "Request Entity Too Large" } });
  });

  it("answers 413 to a body whose event is over Lambda's 6 MB", async () => {
    expect(await post("/quick", AWS_LIMITS.lambda.synchronousPayloadBytes)).toEqual({ status: 413, body: { message: "Request Entity Too Large" } });
    expect(await post("/quick", AWS_LIMITS.lambda.synchronousPayloadBytes - 4096)).toMatchObject({ status: 200 });
  });
});
