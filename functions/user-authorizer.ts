import type { APIGatewayRequestAuthorizerEventV2, APIGatewaySimpleAuthorizerWithContextResult } from "aws-lambda";
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { AUTHORIZER_FAILED_METRIC, bearerToken, InvalidUserToken } from "#shared/domain/user-token.ts";
import { UserTokenVerifier } from "#shared/adapters/user-token-verifier.ts";
import { requiredEnv } from "./commons/env.ts";
import { logger, metrics, withPowertools } from "./commons/powertools.ts";
import { secretString } from "./commons/secrets.ts";

export interface UserContext {
  userId: string;
  /** The token's expiry (epoch seconds): API Gateway may keep this answer longer, the routes do not. */
  expiresAt: number;
}

/**
 * API Gateway's Lambda authorizer for the /v1/me routes: a valid user token lets the request through
 * with its user as the context every route acts for. API Gateway caches the answer per token; a
 * token that is not valid ends in the error API Gateway answers 401 to.
 */
const secretArn = requiredEnv("USER_TOKEN_SECRET_ARN");
const verifier = new UserTokenVerifier(async (fresh) => {
  try {
    return await secretString(secretArn, { fresh });
  } catch (error) {
    metrics.addMetric(AUTHORIZER_FAILED_METRIC, MetricUnit.Count, 1);
    throw error;
  }
});

async function authorize(event: APIGatewayRequestAuthorizerEventV2): Promise<APIGatewaySimpleAuthorizerWithContextResult<UserContext>> {
  try {
    const { userId, expiresAt } = await verifier.verify(bearerToken(event.headers?.authorization), Date.now());
    return { isAuthorized: true, context: { userId, expiresAt } };
  } catch (error) {
    if (!(error instanceof InvalidUserToken)) throw error;
    logger.info("user token refused", { reason: error.reason, routeKey: event.routeKey });
    throw new Error("Unauthorized");
  }
}

export const handler = withPowertools(authorize);
