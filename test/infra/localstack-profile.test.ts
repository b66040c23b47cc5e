import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Template } from "aws-cdk-lib/assertions";
import { describe, expect, it } from "vitest";
import { createNotifyApp } from "#infra/notify-app.ts";

/** The -c flags of `npm run deploy:localstack`, read from package.json so the test follows the script. */
function localstackContext(): Record<string, string> {
  const script: string = JSON.parse(readFileSync("package.json", "utf8")).scripts["deploy:localstack"];
  return Object.fromEntries([...script.matchAll(/-c (notify:[\w]+)=(\S+)/g)].map(([, key, value]) => [key!, value!]));
}

/**
 * The resource types this stack uses that LocalStack's CloudFormation creates and deletes on its
 * free plan: the "Community image" table of docs.localstack.cloud/aws/services/cloudformation
 * (localstack/localstack-docs 378660c, July 2025). A type the stack starts using fails this test
 * until someone has looked it up there.
 */
const CREATED_ON_FREE_PLAN = new Set([
  "AWS::CloudWatch::Alarm",
  "AWS::DynamoDB::GlobalTable",
  "AWS::Events::Rule",
  "AWS::IAM::Policy",
  "AWS::IAM::Role",
  "AWS::KMS::Key",
  "AWS::Kinesis::Stream",
  // Not in that table, but created by the community code's own provider:
  // localstack-core/localstack/services/lambda_/resource_providers/aws_lambda_eventinvokeconfig.py.
  "AWS::Lambda::EventInvokeConfig",
  "AWS::Lambda::EventSourceMapping",
  "AWS::Lambda::Function",
  "AWS::Lambda::Permission",
  "AWS::Logs::LogGroup",
  "AWS::SNS::Subscription",
  "AWS::SNS::Topic",
  "AWS::SNS::TopicPolicy",
  "AWS::SQS::Queue",
  "AWS::SQS::QueuePolicy",
  "AWS::SecretsManager::Secret",
]);

/**
 * Types in neither of that page's tables, which LocalStack skips with a warning
 * (CFN_IGNORE_UNSUPPORTED_RESOURCE_TYPES is on by default): harmless only while nothing refers to them.
 */
const SKIPPED_BY_LOCALSTACK = new Set(["AWS::CloudWatch::Dashboard"]);

type TemplateJson = { Resources: Record<string, { Type: string; DependsOn?: string | string[] }>; Outputs: Record<string, unknown> };

/** Logical ids a template fragment refers to through Ref, Fn::GetAtt or Fn::Sub. */
function referencedIds(fragment: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(fragment)) for (const item of fragment) referencedIds(item, found);
  else if (fragment && typeof fragment === "object") {
    for (const [key, value] of Object.entries(fragment)) {
      if (key === "Ref" && typeof value === "string") found.add(value);
      else if (key === "Fn::GetAtt") found.add(Array.isArray(value) ? String(value[0]) : String(value).split(".")[0]!);
      else if (key === "Fn::Sub") for (const [, name] of JSON.stringify(value).matchAll(/\$\{([A-Za-z0-9]+)[.}]/g)) found.add(name!);
      referencedIds(value, found);
    }
  }
  return found;
}

describe("the LocalStack profile (npm run deploy:localstack)", () => {
  const { app, stack } = createNotifyApp({ outdir: mkdtempSync(join(tmpdir(), "notify-localstack-")), context: { "aws:cdk:bundling-stacks": [], ...localstackContext() } });
  const template = Template.fromStack(stack).toJSON() as TemplateJson;
  const types = new Set(Object.values(template.Resources).map((resource) => resource.Type));

  it("deploys with -c flags for SMS through SNS, no HTTP API and no SES configuration set", () => {
    expect(localstackContext()).toMatchObject({ "notify:smsService": "sns", "notify:httpApi": "false", "notify:sesConfigurationSet": "false" });
  });

  it("has only resource types LocalStack's free plan creates, or skips harmlessly", () => {
    expect([...types].filter((type) => !CREATED_ON_FREE_PLAN.has(type) && !SKIPPED_BY_LOCALSTACK.has(type)).sort()).toEqual([]);
  });

  it("refers to no resource LocalStack skips, so skipping one breaks nothing", () => {
    const skipped = Object.keys(template.Resources).filter((id) => SKIPPED_BY_LOCALSTACK.has(template.Resources[id]!.Type));
    const dependedOn = Object.values(template.Resources).flatMap((resource) => [resource.DependsOn ?? []].flat());
    const referenced = new Set([...referencedIds(template.Resources), ...referencedIds(template.Outputs), ...dependedOn]);
    expect(skipped.filter((id) => referenced.has(id))).toEqual([]);
  });

  it("calls no API of a paid LocalStack plan except SES v2 for email", () => {
    const serialized = JSON.stringify(template);
    expect(serialized).not.toContain("sms-voice:");
    expect(types.has("AWS::ApiGatewayV2::Api")).toBe(false);
    const emailWorker = Object.entries(template.Resources).find(([id]) => id.startsWith("EmailWorker") && template.Resources[id]!.Type === "AWS::Lambda::Function")![1] as unknown as {
      Properties: { Environment: { Variables: Record<string, string> } };
    };
    expect(emailWorker.Properties.Environment.Variables.SES_CONFIGURATION_SET).toBeUndefined();
  });

  it("still has every channel queue, worker and the delivery-events pipeline", () => {
    expect(
      Object.entries(template.Resources)
        .filter(([, resource]) => resource.Type === "AWS::Lambda::Function")
        .map(([id]) => id.replace(/Function[0-9A-F]{8}$/, ""))
        .sort(),
    ).toEqual(["BroadcastExpansionExpander", "DeferredDeliverySweeper", "DeliveryEventsProcessor", "EmailWorker", "InAppWorker", "ProviderFeedbackProcessor", "PushWorker", "SmsWorker"].sort());
    expect(template.Outputs).toHaveProperty("NotificationsTopicArn");
    expect(template.Outputs).not.toHaveProperty("ApiUrl");
  });

  it("passes cdk-nag like every other configuration", () => {
    expect(() => app.synth()).not.toThrow();
  });
});
