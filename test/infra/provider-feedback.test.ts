import { Template } from "aws-cdk-lib/assertions";
import { describe, expect, it } from "vitest";
import { createNotifyApp } from "#infra/notify-app.ts";
import { resourcesOfType, synthesizedTemplate, type Resources } from "../helpers/synthesized-template.ts";

const template = synthesizedTemplate();
const configurationSetId = Object.keys(resourcesOfType(template, "AWS::SES::ConfigurationSet"))[0]!;
const feedbackTopicId = Object.keys(resourcesOfType(template, "AWS::SNS::Topic")).find((id) => id.startsWith("ProviderFeedback"))!;

describe("provider feedback", () => {
  it("publishes SES deliveries, bounces, complaints, opens and clicks of the stack's configuration set to the feedback topic", () => {
    const [destination] = Object.values(resourcesOfType(template, "AWS::SES::ConfigurationSetEventDestination"));
    expect(destination!.Properties.ConfigurationSetName).toEqual({ Ref: configurationSetId });
    expect(destination!.Properties.EventDestination).toMatchObject({ Enabled: true, SnsDestination: { TopicARN: { Ref: feedbackTopicId } } });
    expect([...destination!.Properties.EventDestination.MatchingEventTypes].sort()).toEqual(["bounce", "click", "complaint", "delivery", "open"]);
  });

  it("sends email with that configuration set", () => {
    const emailWorker = Object.entries(resourcesOfType(template, "AWS::Lambda::Function")).find(([id]) => id.startsWith("EmailWorker"))![1];
    expect(emailWorker.Properties.Environment.Variables.SES_CONFIGURATION_SET).toEqual({ Ref: configurationSetId });
  });

  it.each([
    ["the team's own configuration set", "team-events", "team-events"],
    ["no configuration set (notify:sesConfigurationSet=false)", "false", undefined],
  ])("sends with %s and then creates none", (_, contextValue, expected) => {
    const { stack } = createNotifyApp({ context: { "aws:cdk:bundling-stacks": [], "notify:sesConfigurationSet": contextValue } });
    const configured = Template.fromStack(stack);
    expect(Object.keys(resourcesOfType(configured, "AWS::SES::ConfigurationSet"))).toEqual([]);
    const emailWorker = Object.entries(configured.findResources("AWS::Lambda::Function") as Resources).find(([id]) => id.startsWith("EmailWorker"))![1];
    expect(emailWorker.Properties.Environment.Variables.SES_CONFIGURATION_SET).toEqual(expected);
    const sesGrant = JSON.stringify(Object.values(configured.findResources("AWS::IAM::Policy")).filter((policy) => JSON.stringify(policy).includes("ses:SendEmail")));
    expect(sesGrant.includes("configuration-set/")).toBe(expected !== undefined);
  });

  it("lets only SES and End User Messaging from this account publish feedback, with a key they may use", () => {
    const policy = Object.values(resourcesOfType(template, "AWS::SNS::TopicPolicy")).find((candidate) => JSON.stringify(candidate.Properties.Topics).includes(feedbackTopicId))!;
    const publishers = policy.Properties.PolicyDocument.Statement.filter((statement: { Effect: string; Action: string }) => statement.Effect === "Allow" && statement.Action === "sns:Publish");
    expect(publishers.map((statement: { Principal: { Service: string } }) => statement.Principal.Service).sort()).toEqual(["ses.amazonaws.com", "sms-voice.amazonaws.com"]);
    for (const statement of publishers) expect(JSON.stringify(statement.Condition)).toMatch(/SourceAccount/i);
    const topicKey = resourcesOfType(template, "AWS::SNS::Topic")[feedbackTopicId]!.Properties.KmsMasterKeyId["Fn::GetAtt"][0];
    const keyPolicy = JSON.stringify(resourcesOfType(template, "AWS::KMS::Key")[topicKey]!.Properties.KeyPolicy);
    expect(keyPolicy).toContain("ses.amazonaws.com");
    expect(keyPolicy).toContain("sms-voice.amazonaws.com");
  });

  it("reads feedback from a queue with a DLQ that alarms", () => {
    const queues = resourcesOfType(template, "AWS::SQS::Queue");
    const queue = Object.entries(queues).find(([id]) => /^ProviderFeedbackQueue[0-9A-F]{8}$/.test(id))![1];
    expect(queue.Properties.RedrivePolicy.maxReceiveCount).toBe(5);
    const deadLetterId = queue.Properties.RedrivePolicy.deadLetterTargetArn["Fn::GetAtt"][0];
    const alarms = Object.values(resourcesOfType(template, "AWS::CloudWatch::Alarm"));
    expect(alarms.some((alarm) => JSON.stringify(alarm.Properties.Dimensions).includes(deadLetterId))).toBe(true);
  });
});

describe("push receipts (notify:pushDeliveryStatusLogGroups)", () => {
  const logGroups = ["sns/eu-west-1/123456789012/app/GCM/mobile", "sns/eu-west-1/123456789012/app/GCM/mobile/Failure"];
  const { stack } = createNotifyApp({ context: { "aws:cdk:bundling-stacks": [], "notify:pushDeliveryStatusLogGroups": logGroups.join(",") } });
  const withReceipts = Template.fromStack(stack);
  const readerId = Object.keys(resourcesOfType(withReceipts, "AWS::Lambda::Function")).find((id) => id.startsWith("ProviderFeedbackPushReceipts"))!;

  it("subscribes the reader to every delivery status log group", () => {
    const filters = Object.values(resourcesOfType(withReceipts, "AWS::Logs::SubscriptionFilter"));
    expect(filters.map((filter) => filter.Properties.LogGroupName).sort()).toEqual(logGroups);
    for (const filter of filters) expect(filter.Properties.DestinationArn).toEqual({ "Fn::GetAtt": [readerId, "Arn"] });
  });

  it("sends batches that fail after two retries to the feedback DLQ, and alarms on the reader's errors", () => {
    const [config] = Object.values(resourcesOfType(withReceipts, "AWS::Lambda::EventInvokeConfig"));
    expect(config!.Properties).toMatchObject({ FunctionName: { Ref: readerId }, MaximumRetryAttempts: 2 });
    expect(config!.Properties.DestinationConfig.OnFailure.Destination["Fn::GetAtt"][0]).toMatch(/^ProviderFeedbackDeadLetterQueue/);
    const alarms = Object.values(resourcesOfType(withReceipts, "AWS::CloudWatch::Alarm"));
    expect(alarms.some((alarm) => JSON.stringify(alarm.Properties.Dimensions).includes(readerId))).toBe(true);
  });

  it("is absent unless log groups are named", () => {
    expect(Object.keys(resourcesOfType(template, "AWS::Logs::SubscriptionFilter"))).toEqual([]);
  });
});
