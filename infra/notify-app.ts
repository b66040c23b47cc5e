import { App, Duration, Validations, type Environment } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import { parseChannelRates } from "#shared/domain/send-rate.ts";
import { NotifyStack } from "./notify-stack.ts";

export const DEFAULT_STACK_NAME = "Notify";

/** `notify:allowedOrigins` as a JSON array (cdk.json) or a comma-separated list (`-c`); each must be an origin. */
function originsOf(value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  const origins = Array.isArray(value) ? value.map(String) : String(value).split(",").map((origin) => origin.trim()).filter(Boolean);
  for (const origin of origins) {
    if (origin === "*" || (URL.canParse(origin) && new URL(origin).origin === origin)) continue;
    throw new Error(`notify:allowedOrigins: ${origin} is not an origin such as https://app.example.com (scheme, host and port, no path)`);
  }
  return origins;
}

export interface NotifyAppOptions {
  outdir?: string;
  context?: Record<string, unknown>;
  /** @default the account and region the CDK CLI resolved (CDK_DEFAULT_ACCOUNT, CDK_DEFAULT_REGION) */
  env?: Environment;
}

/**
 * The one place that turns configuration (cdk.json context, -c flags) into the stack, used by
 * `cdk synth|deploy` and by the local cloud alike so both deploy the same template.
 */
export function createNotifyApp(options: NotifyAppOptions = {}): { app: App; stack: NotifyStack } {
  const app = new App({ outdir: options.outdir, context: options.context, analyticsReporting: false });
  const context = (key: string): string | undefined => app.node.tryGetContext(`notify:${key}`);
  const number = (key: string): number | undefined => (context(key) === undefined ? undefined : Number(context(key)));
  const stack = new NotifyStack(app, context("stackName") ?? DEFAULT_STACK_NAME, {
    env: options.env ?? { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
    emailFromAddress: context("emailFromAddress"),
    sesConfigurationSet: String(context("sesConfigurationSet")) === "false" ? false : context("sesConfigurationSet"),
    smsService: context("smsService") as "end-user-messaging" | "sns" | undefined,
    smsOriginationIdentity: context("smsOriginationIdentity"),
    maxReceiveCount: number("maxReceiveCount"),
    workerMaxConcurrency: number("workerMaxConcurrency"),
    bulkWorkerMaxConcurrency: number("bulkWorkerMaxConcurrency"),
    channelRates: context("channelRates") === undefined ? undefined : parseChannelRates(context("channelRates")),
    workerBatchSize: number("workerBatchSize"),
    publishBatchSize: number("publishBatchSize"),
    broadcastPublishRate: number("broadcastPublishRate"),
    apiRateLimit: number("apiRateLimit"),
    apiBurstLimit: number("apiBurstLimit"),
    userRouteRateLimit: number("userRouteRateLimit"),
    linkRouteRateLimit: number("linkRouteRateLimit"),
    workerBatchingWindow: number("workerBatchingWindowSeconds") === undefined ? undefined : Duration.seconds(number("workerBatchingWindowSeconds")!),
    deliveryEventShards: number("deliveryEventShards"),
    workerTimeoutSeconds: number("workerTimeoutSeconds"),
    templateCacheSeconds: number("templateCacheSeconds"),
    retryBaseSeconds: number("retryBaseSeconds"),
    retryMaxSeconds: number("retryMaxSeconds"),
    providerTimeoutMillis: number("providerTimeoutMillis"),
    pushDeliveryStatusLogGroups: context("pushDeliveryStatusLogGroups") ? String(context("pushDeliveryStatusLogGroups")).split(",").filter(Boolean) : undefined,
    publisherArns: context("publisherArns") ? String(context("publisherArns")).split(",").filter(Boolean) : undefined,
    retainUserData: context("retainUserData") === undefined ? undefined : String(context("retainUserData")) !== "false",
    customerManagedKey: String(context("customerManagedKey") ?? "false") === "true",
    httpApi: String(context("httpApi") ?? "true") !== "false",
    allowedOrigins: originsOf(app.node.tryGetContext("notify:allowedOrigins")),
    userTokenCacheSeconds: number("userTokenCacheSeconds"),
  });
  // Every synth, deploy and local start fails on an AwsSolutions finding nobody has acknowledged with a reason.
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}
