import { DescribeAlarmsCommand, GetMetricDataCommand, type MetricDataQuery } from "@aws-sdk/client-cloudwatch";
import { DescribeStreamSummaryCommand } from "@aws-sdk/client-kinesis";
import { GetQueueAttributesCommand } from "@aws-sdk/client-sqs";
import { queueNameOf, type Target } from "../target.ts";

export interface QueueStatus {
  name: string;
  visible: number;
  inFlight: number;
  delayed: number;
  /** From the queue itself on the local cloud, from CloudWatch (the last five minutes' maximum) elsewhere. */
  oldestAgeSeconds?: number;
}

export interface StackStatus {
  target: string;
  queues: QueueStatus[];
  deadLetterQueues: QueueStatus[];
  stream: { name: string; status: string; shards: number; iteratorAgeMillis?: number };
  alarms?: Array<{ name: string; state: string }>;
}

async function queueStatus(target: Target, url: string): Promise<QueueStatus> {
  const { Attributes = {} } = await target.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed"] }),
  );
  return {
    name: queueNameOf(url),
    visible: Number(Attributes.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
    delayed: Number(Attributes.ApproximateNumberOfMessagesDelayed ?? 0),
  };
}

/** Seconds since the oldest message still in the queue was sent, as SQS's ApproximateAgeOfOldestMessage counts it. */
async function inspectedOldestAge(target: Target, queue: QueueStatus, now: number): Promise<void> {
  const messages = await target.localCloud!.inspectQueue(queue.name);
  if (!messages?.length) return;
  queue.oldestAgeSeconds = Math.max(0, Math.floor((now - Math.min(...messages.map((message) => message.sentTimestamp))) / 1000));
}

/** The last five minutes' maximum of each metric, by query id. */
async function recentMaxima(target: Target, queries: MetricDataQuery[], now: number): Promise<Map<string, number>> {
  if (!target.cloudwatch || queries.length === 0) return new Map();
  const end = new Date(now);
  const { MetricDataResults = [] } = await target.cloudwatch.send(new GetMetricDataCommand({ StartTime: new Date(end.getTime() - 5 * 60_000), EndTime: end, MetricDataQueries: queries }));
  return new Map(MetricDataResults.filter((result) => result.Values?.length).map((result) => [result.Id!, Math.max(...result.Values!)]));
}

/** Every queue's and DLQ's depth and oldest age, the stream's lag and, where CloudWatch runs, the alarms. */
export async function stackStatus(target: Target): Promise<StackStatus> {
  const urls = Object.entries(target.outputs).filter(([key]) => key.endsWith("QueueUrl"));
  const isDeadLetter = ([key]: [string, string]) => key.endsWith("DeadLetterQueueUrl") || key === "DeliveryEventsFailureQueueUrl";
  const [queues, deadLetterQueues] = await Promise.all([
    Promise.all(urls.filter((entry) => !isDeadLetter(entry)).map(([, url]) => queueStatus(target, url))),
    Promise.all(urls.filter(isDeadLetter).map(([, url]) => queueStatus(target, url))),
  ]);
  const streamName = target.outputs.DeliveryEventsStreamName!;
  const { StreamDescriptionSummary: summary } = await target.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: streamName }));

  const now = Date.now();
  const everyQueue = [...queues, ...deadLetterQueues];
  if (target.localCloud) await Promise.all(everyQueue.map((queue) => inspectedOldestAge(target, queue, now)));
  const queries: MetricDataQuery[] = [
    ...everyQueue.map((queue, index) => ({ Id: `q${index}`, MetricStat: { Metric: { Namespace: "AWS/SQS", MetricName: "ApproximateAgeOfOldestMessage", Dimensions: [{ Name: "QueueName", Value: queue.name }] }, Period: 60, Stat: "Maximum" } })),
    { Id: "lag", MetricStat: { Metric: { Namespace: "AWS/Kinesis", MetricName: "GetRecords.IteratorAgeMilliseconds", Dimensions: [{ Name: "StreamName", Value: streamName }] }, Period: 60, Stat: "Maximum" } },
  ];
  const maxima = await recentMaxima(target, queries, now);
  const iteratorAgeMillis = target.localCloud ? await target.localCloud.streamIteratorAgeMillis(streamName) : maxima.get("lag");
  everyQueue.forEach((queue, index) => {
    if (maxima.has(`q${index}`)) queue.oldestAgeSeconds = maxima.get(`q${index}`);
  });

  let alarms: StackStatus["alarms"];
  if (target.cloudwatch) {
    const { MetricAlarms = [] } = await target.cloudwatch.send(new DescribeAlarmsCommand({ AlarmNamePrefix: `${target.stackName}-` }));
    alarms = MetricAlarms.map((alarm) => ({ name: alarm.AlarmName!, state: alarm.StateValue! }));
  }
  return {
    target: target.kind,
    queues,
    deadLetterQueues,
    stream: { name: streamName, status: summary?.StreamStatus ?? "unknown", shards: summary?.OpenShardCount ?? 0, ...(iteratorAgeMillis === undefined ? {} : { iteratorAgeMillis }) },
    ...(alarms ? { alarms } : {}),
  };
}

export function formatStatus(status: StackStatus): string {
  const row = (queue: QueueStatus) =>
    `  ${queue.name.padEnd(40)} ${String(queue.visible).padStart(7)} ${String(queue.inFlight).padStart(9)} ${String(queue.delayed).padStart(7)}${queue.oldestAgeSeconds === undefined ? "" : `   oldest ${queue.oldestAgeSeconds} s`}`;
  const header = `  ${"queue".padEnd(40)} ${"visible".padStart(7)} ${"in flight".padStart(9)} ${"delayed".padStart(7)}`;
  const lines = [`target: ${status.target}`, "", "queues", header, ...status.queues.map(row), "", "dead-letter queues", header, ...status.deadLetterQueues.map(row), ""];
  lines.push(`stream ${status.stream.name}: ${status.stream.status}, ${status.stream.shards} open shard(s)${status.stream.iteratorAgeMillis === undefined ? "" : `, iterator age ${status.stream.iteratorAgeMillis} ms`}`);
  if (status.alarms) {
    lines.push("", "alarms");
    for (const alarm of status.alarms) lines.push(`  ${alarm.state.padEnd(17)} ${alarm.name}`);
  }
  return lines.join("\n");
}
