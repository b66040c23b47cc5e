import { CloudWatchClient, DescribeAlarmsCommand, GetMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DescribeStreamSummaryCommand, KinesisClient } from "@aws-sdk/client-kinesis";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SNSClient } from "@aws-sdk/client-sns";
import { GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { formatStatus, stackStatus } from "../../cli/commands/status.ts";
import type { Target } from "../../cli/target.ts";
import { NotifyClient } from "../../client/index.ts";

// What `notify status --target aws` asks CloudWatch, and how it shows the answers (no AWS account runs in CI).
const region = "eu-west-1";
const queueUrl = (name: string) => `https://sqs.${region}.amazonaws.com/123456789012/${name}`;
const sqs = mockClient(SQSClient);
const kinesis = mockClient(KinesisClient);
const cloudwatch = mockClient(CloudWatchClient);

function awsTarget(): Target {
  const sns = new SNSClient({ region });
  return {
    kind: "aws",
    stackName: "Notify",
    region,
    outputs: {
      EmailQueueUrl: queueUrl("Notify-email"),
      EmailDeadLetterQueueUrl: queueUrl("Notify-email-dlq"),
      DeliveryEventsFailureQueueUrl: queueUrl("Notify-delivery-events-failures"),
      DeliveryEventsStreamName: "Notify-delivery-events",
      NotificationsTopicArn: `arn:aws:sns:${region}:123456789012:Notify-notifications`,
    },
    sqs: new SQSClient({ region }),
    sns,
    documents: DynamoDBDocumentClient.from(new DynamoDBClient({ region })),
    kinesis: new KinesisClient({ region }),
    secretsManager: new SecretsManagerClient({ region }),
    cloudwatch: new CloudWatchClient({ region }),
    publisher: NotifyClient.forTopic(`arn:aws:sns:${region}:123456789012:Notify-notifications`, sns),
  };
}

describe("notify status on a deployed stack", () => {
  beforeEach(() => {
    for (const mock of [sqs, kinesis, cloudwatch]) mock.reset();
    sqs.on(GetQueueAttributesCommand).resolves({ Attributes: { ApproximateNumberOfMessages: "4", ApproximateNumberOfMessagesNotVisible: "1", ApproximateNumberOfMessagesDelayed: "0" } });
    kinesis.on(DescribeStreamSummaryCommand).resolves({ StreamDescriptionSummary: { StreamStatus: "ACTIVE", OpenShardCount: 2 } as never });
  });

  it("asks CloudWatch for every queue's and DLQ's oldest age and the stream's iterator age, and lists the stack's alarms", async () => {
    cloudwatch.on(GetMetricDataCommand).resolves({
      MetricDataResults: [
        { Id: "q0", Values: [12, 40, 7] },
        { Id: "q1", Values: [] },
        { Id: "q2", Values: [3600] },
        { Id: "lag", Values: [250, 1800] },
      ],
    });
    cloudwatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [{ AlarmName: "Notify-EmailDeadLetters", StateValue: "ALARM" }, { AlarmName: "Notify-EmailQueueAge", StateValue: "OK" }] });

    const status = await stackStatus(awsTarget());

    const { MetricDataQueries = [], StartTime, EndTime } = cloudwatch.commandCalls(GetMetricDataCommand)[0]!.args[0].input;
    expect(EndTime!.getTime() - StartTime!.getTime()).toBe(5 * 60_000);
    expect(MetricDataQueries.map((query) => [query.Id, query.MetricStat?.Metric?.MetricName, query.MetricStat?.Metric?.Dimensions?.[0]?.Value, query.MetricStat?.Stat])).toEqual([
      ["q0", "ApproximateAgeOfOldestMessage", "Notify-email", "Maximum"],
      ["q1", "ApproximateAgeOfOldestMessage", "Notify-email-dlq", "Maximum"],
      ["q2", "ApproximateAgeOfOldestMessage", "Notify-delivery-events-failures", "Maximum"],
      ["lag", "GetRecords.IteratorAgeMilliseconds", "Notify-delivery-events", "Maximum"],
    ]);
    expect(cloudwatch.commandCalls(DescribeAlarmsCommand)[0]!.args[0].input).toEqual({ AlarmNamePrefix: "Notify-" });

    expect(status.queues).toEqual([{ name: "Notify-email", visible: 4, inFlight: 1, delayed: 0, oldestAgeSeconds: 40 }]);
    expect(status.deadLetterQueues).toEqual([
      { name: "Notify-email-dlq", visible: 4, inFlight: 1, delayed: 0 },
      { name: "Notify-delivery-events-failures", visible: 4, inFlight: 1, delayed: 0, oldestAgeSeconds: 3600 },
    ]);
    expect(status.stream).toEqual({ name: "Notify-delivery-events", status: "ACTIVE", shards: 2, iteratorAgeMillis: 1800 });
    expect(status.alarms).toEqual([
      { name: "Notify-EmailDeadLetters", state: "ALARM" },
      { name: "Notify-EmailQueueAge", state: "OK" },
    ]);

    const text = formatStatus(status);
    expect(text).toMatch(/Notify-email\s+4\s+1\s+0\s+oldest 40 s/);
    expect(text).toContain("iterator age 1800 ms");
    expect(text).toMatch(/alarms\n\s+ALARM\s+Notify-EmailDeadLetters\n\s+OK\s+Notify-EmailQueueAge/);
  });
});
