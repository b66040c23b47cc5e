import { PinpointSMSVoiceV2Client } from "@aws-sdk/client-pinpoint-sms-voice-v2";
import { SESv2Client } from "@aws-sdk/client-sesv2";
import { SNSClient } from "@aws-sdk/client-sns";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { Channel } from "#shared/domain/channels.ts";
import { HttpProvider } from "./http-provider.ts";
import { InboxStore } from "#shared/adapters/stores/inbox-store.ts";
import { InboxProvider } from "./inbox-provider.ts";
import type { ChannelProvider } from "./provider.ts";
import { SesEmailProvider } from "./ses-email-provider.ts";
import { EndUserMessagingSmsProvider } from "./sms-provider.ts";
import { SnsSmsProvider } from "./sns-sms-provider.ts";
import { SnsPushProvider } from "./sns-push-provider.ts";

type Env = Record<string, string | undefined>;

function required(env: Env, name: string): string {
  const value = env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

/**
 * Picks a channel's provider from configuration. in_app always writes the inbox table; for the
 * others PROVIDER=aws (the default) uses the channel's AWS
 * service (SMS through End User Messaging, or SNS when SMS_SERVICE=sns); PROVIDER=http sends through
 * PROVIDER_HTTP_URL. Workers never branch on the target.
 */
export function providerFromEnv(channel: Channel, env: Env, documents: DynamoDBDocumentClient, now: () => number): ChannelProvider {
  // The inbox is the stack's own table, not an outside service: nothing to swap.
  if (channel === "in_app") return new InboxProvider(new InboxStore(documents, required(env, "INBOX_TABLE_NAME")), now);
  const kind = env.PROVIDER ?? "aws";
  const timeoutMillis = Number(env.PROVIDER_TIMEOUT_MS ?? 5000);
  if (kind === "http") return new HttpProvider(required(env, "PROVIDER_HTTP_URL"), timeoutMillis);
  if (kind !== "aws") throw new Error(`PROVIDER must be aws or http, not ${kind}`);
  // A provider call that hangs counts as transient, like any other timeout; two tries inside one receive.
  const clientConfig = { cacheMiddleware: true, maxAttempts: 2, requestHandler: new NodeHttpHandler({ connectionTimeout: timeoutMillis, requestTimeout: timeoutMillis }) };
  switch (channel) {
    case "email":
      return new SesEmailProvider(new SESv2Client(clientConfig), { fromAddress: required(env, "EMAIL_FROM_ADDRESS"), configurationSetName: env.SES_CONFIGURATION_SET || undefined });
    case "sms":
      if (env.SMS_SERVICE === "sns") return new SnsSmsProvider(new SNSClient(clientConfig), env.SMS_ORIGINATION_IDENTITY || undefined);
      return new EndUserMessagingSmsProvider(new PinpointSMSVoiceV2Client(clientConfig), {
        originationIdentity: env.SMS_ORIGINATION_IDENTITY || undefined,
        configurationSetName: env.SMS_CONFIGURATION_SET || undefined,
      });
    case "push":
      return new SnsPushProvider(new SNSClient(clientConfig));
  }
}
