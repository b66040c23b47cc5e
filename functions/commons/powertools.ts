import { Logger } from "@aws-lambda-powertools/logger";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { Metrics } from "@aws-lambda-powertools/metrics";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import middy from "@middy/core";
import type { Context } from "aws-lambda";

// Service name and namespace come from POWERTOOLS_SERVICE_NAME / POWERTOOLS_METRICS_NAMESPACE.
export const logger = new Logger();
export const metrics = new Metrics();

/**
 * Every entry point's handler, with the invocation's metrics flushed (none is not an error) and its
 * logger given the Lambda context and cleared of the last invocation's keys.
 */
export function withPowertools<TEvent, TResult>(handler: (event: TEvent, context: Context) => Promise<TResult>) {
  return middy<TEvent, TResult>()
    .use(logMetrics(metrics, { throwOnEmptyMetrics: false }))
    .use(injectLambdaContext(logger, { clearState: true }))
    .handler(handler);
}
