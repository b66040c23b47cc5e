import { Template } from "aws-cdk-lib/assertions";
import { describe, expect, it } from "vitest";
import { createNotifyApp } from "#infra/notify-app.ts";
import { resourcesOfType, synthesizedTemplate } from "../helpers/synthesized-template.ts";

type Access = "read" | "write" | "read-write";

const DATA_READS = new Set(["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:Scan", "kinesis:GetRecords", "sqs:ReceiveMessage", "secretsmanager:GetSecretValue"]);
const DATA_WRITES = new Set([
  "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem",
  "kinesis:PutRecord", "kinesis:PutRecords",
  "sqs:SendMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility",
  "sns:Publish", "ses:SendEmail", "sms-voice:SendTextMessage", "logs:PutLogEvents",
]);
// Reading a resource's description or opening a cursor exposes no user data and changes nothing.
const METADATA = new Set([
  "dynamodb:DescribeTable", "dynamodb:ConditionCheckItem", "dynamodb:GetRecords", "dynamodb:GetShardIterator",
  "kinesis:DescribeStream", "kinesis:DescribeStreamSummary", "kinesis:DescribeStreamConsumer", "kinesis:ListShards", "kinesis:ListStreams", "kinesis:GetShardIterator", "kinesis:SubscribeToShard",
  "sqs:GetQueueUrl", "sqs:GetQueueAttributes", "secretsmanager:DescribeSecret", "logs:CreateLogStream",
]);

const template = synthesizedTemplate();

/** What each function's role may touch, as resource → access, resources named by logical id without the hash. */
function accessOf(functionId: string, from: Template = template): Record<string, Access> {
  const policies = Object.values(resourcesOfType(from, "AWS::IAM::Policy")).filter((policy) =>
    JSON.stringify(policy.Properties.Roles).includes(`"${functionId}Role`),
  );
  expect(policies, functionId).toHaveLength(1);
  const actions: Record<string, Set<string>> = {};
  for (const statement of policies[0]!.Properties.PolicyDocument.Statement as Array<{ Effect: string; Action: string | string[]; Resource: unknown }>) {
    expect(statement.Effect).toBe("Allow");
    for (const resource of [statement.Resource].flat()) {
      const name = resourceName(resource);
      actions[name] ??= new Set();
      for (const action of [statement.Action].flat()) actions[name].add(action);
    }
  }
  return Object.fromEntries(
    Object.entries(actions).map(([resource, granted]) => {
      for (const action of granted) expect(DATA_READS.has(action) || DATA_WRITES.has(action) || METADATA.has(action), `${functionId}: unclassified ${action}`).toBe(true);
      const reads = [...granted].some((action) => DATA_READS.has(action));
      const writes = [...granted].some((action) => DATA_WRITES.has(action));
      return [resource, reads && writes ? "read-write" : writes ? "write" : "read"];
    }),
  );
}

/** The actions a function's role is granted on one resource, sorted. */
function actionsOn(functionId: string, resource: string, from: Template = template): string[] {
  const policies = Object.values(resourcesOfType(from, "AWS::IAM::Policy")).filter((policy) => JSON.stringify(policy.Properties.Roles).includes(`"${functionId}Role`));
  const actions = new Set<string>();
  for (const statement of policies[0]!.Properties.PolicyDocument.Statement as Array<{ Action: string | string[]; Resource: unknown }>) {
    if ([statement.Resource].flat().some((candidate) => resourceName(candidate) === resource)) for (const action of [statement.Action].flat()) actions.add(action);
  }
  return [...actions].sort();
}

function resourceName(resource: unknown): string {
  const text = JSON.stringify(resource);
  const reference = /"Fn::GetAtt":\["([A-Za-z0-9]+)"|"Ref":"(?!AWS::)([A-Za-z0-9]+)"/.exec(text);
  if (reference) return (reference[1] ?? reference[2])!.replace(/[0-9A-F]{8}$/, "") + (text.includes("/index/*") ? "/index/*" : "");
  if (resource === "*") return "*";
  // A literal ARN built from pseudo parameters: keep service and resource, e.g. "ses:identity/example.com".
  const arn = /:([a-z-]+):",\{"Ref":"AWS::Region"\},":",\{"Ref":"AWS::AccountId"\},":([^"]+)"/.exec(text);
  return arn ? `${arn[1]}:${arn[2]}` : text;
}

function worker(channel: string, provider: Record<string, Access>, extra: Record<string, Access> = {}): Record<string, Access> {
  return {
    [`${channel}WorkerLogs`]: "write",
    TablesPreferences: "read",
    // The send claim and the outcome it records live on the delivery's row.
    TablesDeliveries: "read-write",
    // Holds for quiet hours and escalations; digest windows are read and joined.
    TablesDeferred: "read-write",
    // Throttle counters.
    TablesDedup: "write",
    // The template version a message was accepted with.
    TablesTemplates: "read",
    [`${channel}ChannelQueue`]: "read-write",
    [`${channel}BulkChannelQueue`]: "read-write",
    DeliveryEventsStream: "write",
    // Fallbacks and escalations are published as new messages for the follow-up channel.
    NotificationsTopic: "write",
    ...provider,
    ...extra,
  };
}

describe("least privilege, per function", () => {
  it.each<[string, Record<string, Access>]>([
    [
      "EmailWorker",
      worker("Email", { "ses:identity/notifications@example.com": "write", "ses:identity/example.com": "write", ProviderFeedbackConfigurationSet: "write" }, { UnsubscribeSecret: "read" }),
    ],
    ["SmsWorker", worker("Sms", { "sms-voice:*": "write" })],
    ["PushWorker", worker("Push", { "sns:endpoint/*": "write" })],
    ["InAppWorker", worker("InApp", { TablesInbox: "write", "TablesInbox/index/*": "write" })],
    [
      "Ingest",
      {
        IngestLogs: "write",
        NotificationsTopic: "write",
        TablesPreferences: "read-write",
        TablesDeliveries: "read-write",
        TablesInbox: "read-write",
        "TablesInbox/index/*": "read-write",
        TablesAudiences: "read-write",
        // Templates are stored, listed and activated through the API; publishing reads the active version.
        TablesTemplates: "read-write",
        // Counts what it accepts; GET /v1/analytics queries the counters.
        TablesAnalytics: "read-write",
        TablesDeferred: "write",
        BroadcastExpansionQueue: "write",
        DeliveryEventsStream: "write",
        UnsubscribeSecret: "read",
      },
    ],
    ["DeliveryEventsProcessor", { DeliveryEventsProcessorLogs: "write", DeliveryEventsStream: "read", TablesDeliveries: "read-write", TablesAnalytics: "write", DeliveryEventsFailureQueue: "write" }],
    ["ProviderFeedbackProcessor", { ProviderFeedbackProcessorLogs: "write", ProviderFeedbackQueue: "read-write", TablesPreferences: "write", DeliveryEventsStream: "write" }],
    [
      "BroadcastExpansionExpander",
      // The stream: a cancel's page puts each delivery it takes back on it.
      { BroadcastExpansionExpanderLogs: "write", TablesDeliveries: "read-write", TablesAudiences: "read", TablesDedup: "write", NotificationsTopic: "write", BroadcastExpansionQueue: "read-write", DeliveryEventsStream: "write" },
    ],
    // The expansion queue and the audiences: a scheduled broadcast's release sizes its rows' spread and queues its first pages.
    ["DeferredDeliverySweeper", { DeferredDeliverySweeperLogs: "write", TablesDeferred: "read-write", TablesDeliveries: "read-write", TablesTemplates: "read", TablesAudiences: "read", NotificationsTopic: "write", BroadcastExpansionQueue: "write" }],
  ])("%s reaches exactly what it needs", (functionId, expected) => {
    expect(accessOf(functionId)).toEqual(expected);
  });

  it("lets the push receipts reader (notify:pushDeliveryStatusLogGroups) reach exactly what it needs", () => {
    const { stack } = createNotifyApp({ context: { "aws:cdk:bundling-stacks": [], "notify:pushDeliveryStatusLogGroups": "sns/eu-west-1/123456789012/app/GCM/mobile" } });
    expect(accessOf("ProviderFeedbackPushReceipts", Template.fromStack(stack))).toEqual({
      ProviderFeedbackPushReceiptsLogs: "write",
      TablesPreferences: "read-write",
      TablesDedup: "read",
      DeliveryEventsStream: "write",
      // Batches that still fail after Lambda's retries.
      ProviderFeedbackDeadLetterQueue: "write",
    });
  });

  it("lets workers change a delivery's row only by conditional update: no put, delete or batch write can replace or drop a row", () => {
    for (const channel of ["Email", "Sms", "Push", "InApp"]) expect(actionsOn(`${channel}Worker`, "TablesDeliveries"), channel).toEqual(["dynamodb:GetItem", "dynamodb:UpdateItem"]);
  });

  it("lets the events function only add to the engagement counters, and ingest only add and query them", () => {
    expect(actionsOn("DeliveryEventsProcessor", "TablesAnalytics")).toEqual(["dynamodb:UpdateItem"]);
    expect(actionsOn("Ingest", "TablesAnalytics")).toEqual(["dynamodb:Query", "dynamodb:UpdateItem"]);
  });

  it("lets workers and the sweeper only get template versions, never change them", () => {
    for (const functionId of ["EmailWorker", "SmsWorker", "PushWorker", "InAppWorker", "DeferredDeliverySweeper"]) expect(actionsOn(functionId, "TablesTemplates"), functionId).toEqual(["dynamodb:GetItem"]);
  });

  it("gives the push worker the sent-message index only when push receipts are read", () => {
    const { stack } = createNotifyApp({ context: { "aws:cdk:bundling-stacks": [], "notify:pushDeliveryStatusLogGroups": "sns/eu-west-1/123456789012/app/GCM/mobile" } });
    expect(accessOf("PushWorker", Template.fromStack(stack))).toEqual(worker("Push", { "sns:endpoint/*": "write" }));
    expect(actionsOn("PushWorker", "TablesDedup", Template.fromStack(stack))).toEqual(["dynamodb:PutItem", "dynamodb:UpdateItem"]);
    expect(actionsOn("PushWorker", "TablesDedup", template)).toEqual(["dynamodb:UpdateItem"]);
  });

  it("gives every function a role of its own that only Lambda can assume, with no AWS managed policy", () => {
    const roles = Object.entries(resourcesOfType(template, "AWS::IAM::Role"));
    expect(roles.length).toBe(Object.keys(resourcesOfType(template, "AWS::Lambda::Function")).length);
    for (const [id, role] of roles) {
      expect(role.Properties.ManagedPolicyArns, id).toBeUndefined();
      expect(role.Properties.AssumeRolePolicyDocument.Statement, id).toEqual([{ Action: "sts:AssumeRole", Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" } }]);
    }
  });
});
