import { Template } from "aws-cdk-lib/assertions";
import { describe, expect, it } from "vitest";
import { createNotifyApp } from "#infra/notify-app.ts";
import { resourcesOfType, synthesizedTemplate } from "../helpers/synthesized-template.ts";

const EXTERNAL_PUBLISHER = "arn:aws:iam::444455556666:role/orders-api";
const template = Template.fromStack(
  createNotifyApp({
    context: { "aws:cdk:bundling-stacks": [], "notify:customerManagedKey": true, "notify:publisherArns": EXTERNAL_PUBLISHER },
    env: { account: "111122223333", region: "eu-west-1" },
  }).stack,
);
const keyIds = Object.keys(resourcesOfType(template, "AWS::KMS::Key"));
const dataKeyId = keyIds.find((id) => id.startsWith("DataKey"))!;
const dataKey = { "Fn::GetAtt": [dataKeyId, "Arn"] };

describe("customer-managed key (notify:customerManagedKey)", () => {
  it("creates one data key with yearly rotation", () => {
    expect(dataKeyId).toBeDefined();
    expect(resourcesOfType(template, "AWS::KMS::Key")[dataKeyId]!.Properties.EnableKeyRotation).toBe(true);
  });

  it("encrypts the topic, every queue, every table and the stream with it", () => {
    const notifications = Object.entries(resourcesOfType(template, "AWS::SNS::Topic")).find(([id]) => id.startsWith("Notifications"))![1];
    expect(notifications.Properties.KmsMasterKeyId).toEqual(dataKey);
    for (const [id, queue] of Object.entries(resourcesOfType(template, "AWS::SQS::Queue"))) expect(queue.Properties.KmsMasterKeyId, id).toEqual(dataKey);
    for (const [id, table] of Object.entries(resourcesOfType(template, "AWS::DynamoDB::GlobalTable"))) {
      expect(table.Properties.SSESpecification, id).toEqual({ SSEEnabled: true, SSEType: "KMS" });
      expect(table.Properties.Replicas[0].SSESpecification, id).toEqual({ KMSMasterKeyId: dataKey });
    }
    expect(Object.values(resourcesOfType(template, "AWS::Kinesis::Stream"))[0]!.Properties.StreamEncryption).toEqual({ EncryptionType: "KMS", KeyId: dataKey });
  });

  it("lets SNS use the key to deliver into the encrypted queues, and the external publisher to publish", () => {
    const statements = resourcesOfType(template, "AWS::KMS::Key")[dataKeyId]!.Properties.KeyPolicy.Statement as Array<Record<string, any>>;
    expect(statements).toContainEqual(expect.objectContaining({ Principal: { Service: "sns.amazonaws.com" }, Action: ["kms:Decrypt", "kms:GenerateDataKey"] }));
    expect(statements).toContainEqual(expect.objectContaining({ Principal: { AWS: EXTERNAL_PUBLISHER }, Action: ["kms:Decrypt", "kms:GenerateDataKey*"] }));
  });

  it("refuses to synthesize without a region, naming the setting", () => {
    expect(() => createNotifyApp({ context: { "aws:cdk:bundling-stacks": [], "notify:customerManagedKey": true }, env: {} })).toThrow(/customerManagedKey needs the stack's region/);
  });
});

describe("default encryption", () => {
  const defaults = synthesizedTemplate();

  it("creates no data key and uses AWS-managed keys", () => {
    expect(Object.keys(resourcesOfType(defaults, "AWS::KMS::Key")).filter((id) => id.startsWith("DataKey"))).toEqual([]);
    for (const [id, table] of Object.entries(resourcesOfType(defaults, "AWS::DynamoDB::GlobalTable"))) expect(table.Properties.SSESpecification, id).toEqual({ SSEEnabled: true, SSEType: "KMS" });
    for (const [id, queue] of Object.entries(resourcesOfType(defaults, "AWS::SQS::Queue"))) expect(queue.Properties.SqsManagedSseEnabled, id).toBe(true);
  });

  it("denies every topic to callers not using HTTPS", () => {
    const policies = Object.values(resourcesOfType(defaults, "AWS::SNS::TopicPolicy"));
    for (const id of Object.keys(resourcesOfType(defaults, "AWS::SNS::Topic"))) {
      const policy = policies.find((candidate) => JSON.stringify(candidate.Properties.Topics).includes(`"${id}"`));
      expect(policy?.Properties.PolicyDocument.Statement, id).toContainEqual(expect.objectContaining({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }));
    }
  });
});
