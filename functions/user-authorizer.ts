import type { APIGatewayRequestAuthorizerEventV2, APIGatewaySimpleAuthorizerWithContextResult } from "aws-lambda";
import { bearerToken, InvalidUserToken, parseUserTokenSecret, verifyUserToken } from "#shared/domain/user-token.ts";
import { requiredEnv } from "./commons/env.ts";
import { logger, withPowertools } from "./commons/powertools.ts";
import { secretString } from "./commons/secrets.ts";

export interface UserContext {
  userId: string;
}

/**
 * API Gateway's Lambda authorizer for the /v1/me routes: a valid user token lets the request through
 * with its user as the context every route acts for. API Gateway caches the answer per token; a
 * token that is not valid ends in the error API Gateway answers 401 to.
 */
async function authorize(event: APIGatewayRequestAuthorizerEventV2): Promise<APIGatewaySimpleAuthorizerWithContextResult<UserContext>> {
  const secret = parseUserTokenSecret(await secretString(requiredEnv("USER_TOKEN_SECRET_ARN")));
  try {
    const userId = await verifyUserToken(bearerToken(event.headers?.authorization), secret, Date.now());
    return { isAuthorized: true, context: { userId } };
  } catch (error) {
    if (!(error instanceof InvalidUserToken)) throw error;
    logger.info("user token refused", { reason: error.reason, routeKey: event.routeKey });
    throw new Error("Unauthorized");
  }
}

export const handler = withPowertools(authorize);
