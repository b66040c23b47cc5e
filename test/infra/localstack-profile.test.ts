import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Template } from "aws-cdk-lib/assertions";
import { describe, expect, it } from "vitest";
import { createNotifyApp } from "#infra/notify-app.ts";

/** What `npm run deploy:localstack` synthesizes: SMS through SNS, no HTTP API, user data not retained. */
const LOCALSTACK_CONTEXT = { "notify:smsService": "sns", "notify:httpApi": "false", "notify:retainUserData": "false" };

/**
 * Services the stack may use on LocalStack's free plan, as the README's LocalStack section states:
 * everything here but API Gateway v2 (Base plan) and End User Messaging SMS.
 */
const FREE_PLAN_SERVICES = new Set(["CloudWatch", "DynamoDB", "Events", "IAM", "KMS", "Kinesis", "Lambda", "Logs", "SES", "SNS", "SQS", "SecretsManager", "CDK"]);

describe("the LocalStack profile", () => {
  const { app, stack } = createNotifyApp({ outdir: mkdtempSync(join(tmpdir(), "notify-localstack-")), context: { "aws:cdk:bundling-stacks": [], ...LOCALSTACK_CONTEXT } });
  const template = Template.fromStack(stack);
  const types = [...new Set(Object.values(template.toJSON().Resources as Record<string, { Type: string }>).map((resource) => resource.Type))].sort();

  it("uses only services of LocalStack's free plan: no HTTP API, no End User Messaging", () => {
    expect(types.filter((type) => !FREE_PLAN_SERVICES.has(type.split("::")[1]!))).toEqual([]);
    expect(JSON.stringify(template.toJSON())).not.toContain("sms-voice:SendTextMessage");
  });

  it("still has every channel queue, worker and the delivery-events pipeline", () => {
    expect(Object.keys(template.findResources("AWS::Lambda::Function")).map((id) => id.replace(/Function[0-9A-F]{8}$/, "")).sort()).toEqual(
      ["DeferredDeliverySweeper", "DeliveryEventsProcessor", "EmailWorker", "InAppWorker", "ProviderFeedbackProcessor", "PushWorker", "SmsWorker"].sort(),
    );
    expect(template.toJSON().Outputs).toHaveProperty("NotificationsTopicArn");
    expect(template.toJSON().Outputs).not.toHaveProperty("ApiUrl");
  });

  it("passes cdk-nag like every other configuration", () => {
    expect(() => app.synth()).not.toThrow();
  });
});
