import { Stack } from "aws-cdk-lib";
import { PolicyStatement } from "aws-cdk-lib/aws-iam";
import type { Channel } from "#shared/domain/channels.ts";
import { acknowledgeTableIndexes, acknowledgeWildcard, arnAsNagRendersIt } from "../security/acknowledgements.ts";
import { sesSendingResources } from "../security/ses-sending-resources.ts";
import type { DataTables } from "./data-tables.ts";
import type { NotifyFunction } from "./notify-function.ts";

/** What the stack lets a team choose about its providers. */
export interface ProviderSettings {
  readonly emailFromAddress: string;
  /** The SES configuration set to send with; false sends without one. */
  readonly sesConfigurationSet: string | false;
  readonly smsService: "end-user-messaging" | "sns";
  readonly smsOriginationIdentity?: string;
}

/** The environment a channel's worker needs to reach its provider. */
export function providerEnvironment(channel: Channel, settings: ProviderSettings, tables: DataTables): Record<string, string> {
  switch (channel) {
    case "email":
      return {
        PROVIDER: "aws",
        EMAIL_FROM_ADDRESS: settings.emailFromAddress,
        ...(settings.sesConfigurationSet ? { SES_CONFIGURATION_SET: settings.sesConfigurationSet } : {}),
      };
    case "sms":
      return {
        PROVIDER: "aws",
        SMS_SERVICE: settings.smsService,
        ...(settings.smsOriginationIdentity ? { SMS_ORIGINATION_IDENTITY: settings.smsOriginationIdentity } : {}),
      };
    case "push":
      return { PROVIDER: "aws" };
    case "in_app":
      return { INBOX_TABLE_NAME: tables.inbox.tableName };
  }
}

/** Each worker may call its own provider and nothing else. */
export function grantProvider(channel: Channel, worker: NotifyFunction, settings: ProviderSettings, tables: DataTables): void {
  const stack = Stack.of(worker);
  const { region, account, partition } = stack;
  switch (channel) {
    case "email":
      worker.function.addToRolePolicy(
        new PolicyStatement({ actions: ["ses:SendEmail"], resources: sesSendingResources(stack, settings.emailFromAddress, settings.sesConfigurationSet || undefined) }),
      );
      return;
    case "sms":
      if (settings.smsService === "sns") {
        worker.function.addToRolePolicy(new PolicyStatement({ actions: ["sns:Publish"], resources: ["*"] }));
        acknowledgeWildcard(worker, "Resource::*", "SNS direct-to-phone publishes name a phone number, not a resource, so sns:Publish cannot be scoped to an ARN.");
      } else {
        const anyOriginationIdentity = `arn:${partition}:sms-voice:${region}:${account}:*`;
        worker.function.addToRolePolicy(new PolicyStatement({ actions: ["sms-voice:SendTextMessage"], resources: [anyOriginationIdentity] }));
        acknowledgeWildcard(
          worker,
          `Resource::${arnAsNagRendersIt(stack, "sms-voice", "*")}`,
          "End User Messaging picks the phone number, pool or sender id per destination country when none is configured; the grant stays within this account and region and allows only SendTextMessage.",
        );
      }
      return;
    case "push":
      worker.function.addToRolePolicy(new PolicyStatement({ actions: ["sns:Publish"], resources: [`arn:${partition}:sns:${region}:${account}:endpoint/*`] }));
      acknowledgeWildcard(
        worker,
        `Resource::${arnAsNagRendersIt(stack, "sns", "endpoint/*")}`,
        "Applications register a platform endpoint per device at run time; the grant allows publishing to endpoints only, never to topics.",
      );
      return;
    case "in_app":
      tables.inbox.grantWriteData(worker.function);
      acknowledgeTableIndexes(worker, tables.inbox);
      return;
  }
}
