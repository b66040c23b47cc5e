import { Duration, Stack } from "aws-cdk-lib";
import { AlarmStatusWidget, Dashboard, GraphWidget, MathExpression, Metric, TextWidget, type IAlarm, type IMetric } from "aws-cdk-lib/aws-cloudwatch";
import type { Stream } from "aws-cdk-lib/aws-kinesis";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import type { ITopic } from "aws-cdk-lib/aws-sns";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import type { Channel } from "#shared/domain/channels.ts";
import { SUPPRESSION_REASONS } from "#shared/domain/delivery-decision.ts";
import { METRICS_NAMESPACE, WORKER_METRICS, workerServiceName } from "#shared/domain/worker-metrics.ts";

export interface DashboardLane {
  channel: Channel;
  queue: IQueue;
  deadLetterQueue: IQueue;
  /** The lane broadcasts travel. */
  bulk: boolean;
}

export interface OperationsDashboardProps {
  topic: ITopic;
  lanes: DashboardLane[];
  /** The FIFO queue of broadcast pages waiting or being expanded, and its DLQ. */
  expansion: { queue: IQueue; deadLetterQueue: IQueue };
  functions: IFunction[];
  stream: Stream;
  alarms: IAlarm[];
}

const PERIOD = Duration.minutes(1);

/**
 * One dashboard that follows a notification from publish to outcome: what came in, what each
 * channel did with it, what is waiting or stuck, what failed, and whether any alarm is firing.
 */
export class OperationsDashboard extends Construct {
  readonly dashboard: Dashboard;
  readonly name: string;

  constructor(scope: Construct, id: string, props: OperationsDashboardProps) {
    super(scope, id);
    const channels = [...new Set(props.lanes.map((lane) => lane.channel))];
    const worker = (channel: Channel, metricName: string, statistic = "Sum", extra: Record<string, string> = {}) =>
      new Metric({ namespace: METRICS_NAMESPACE, metricName, dimensionsMap: { service: workerServiceName(channel), channel, ...extra }, statistic, period: PERIOD, label: channel });
    const perChannel = (metricName: string, statistic?: string): IMetric[] => channels.map((channel) => worker(channel, metricName, statistic));
    const graph = (title: string, left: IMetric[], width = 8) => new GraphWidget({ title, left, width, height: 6 });

    this.name = `${Stack.of(this).stackName}-pipeline`;
    this.dashboard = new Dashboard(this, "Dashboard", { dashboardName: this.name, defaultInterval: Duration.hours(3) });
    this.dashboard.addWidgets(new TextWidget({ markdown: "# Notifications, from publish to outcome\nPublished → channel queues → workers → providers → delivery events", width: 24, height: 2 }));
    this.dashboard.addWidgets(
      graph("Published to the topic (messages)", [props.topic.metricNumberOfMessagesPublished({ period: PERIOD, statistic: "Sum" })]),
      graph("Sent, per channel", perChannel(WORKER_METRICS.sent)),
      graph("Failed and dead-lettered, per channel", [...perChannel(WORKER_METRICS.failed), ...channels.map((channel) => worker(channel, WORKER_METRICS.deadLettered).with({ label: `${channel} dead-lettered` }))]),
    );
    this.dashboard.addWidgets(
      graph(
        "Suppressed, by reason",
        channels.flatMap((channel) => SUPPRESSION_REASONS.map((reason) => worker(channel, WORKER_METRICS.suppressed, "Sum", { reason }).with({ label: `${channel} ${reason}` }))),
      ),
      graph("Deduplicated and retried, per channel", [...perChannel(WORKER_METRICS.deduplicated), ...channels.map((channel) => worker(channel, WORKER_METRICS.retried).with({ label: `${channel} retried` }))]),
      graph("Provider latency p99 (ms)", perChannel(WORKER_METRICS.providerLatency, "p99")),
    );
    this.dashboard.addWidgets(
      graph("Oldest message per queue (s)", props.lanes.map((lane) => lane.queue.metricApproximateAgeOfOldestMessage({ period: PERIOD, statistic: "Maximum" }))),
      graph("Messages in the DLQs", props.lanes.map((lane) => lane.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: "Maximum" }))),
      graph("Delivery-events lag (iterator age, ms)", [props.stream.metricGetRecordsIteratorAgeMilliseconds({ period: PERIOD, statistic: "Maximum" })]),
    );
    const { expansion } = props;
    this.dashboard.addWidgets(
      graph("Broadcast pages waiting and in flight", [
        expansion.queue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: "Maximum", label: "waiting" }),
        expansion.queue.metricApproximateNumberOfMessagesNotVisible({ period: PERIOD, statistic: "Maximum", label: "in flight" }),
        expansion.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: "Maximum", label: "dead-lettered" }),
      ]),
      graph("Broadcast expansion lag (oldest page, s)", [expansion.queue.metricApproximateAgeOfOldestMessage({ period: PERIOD, statistic: "Maximum" })]),
      graph("Bulk lanes: messages waiting", props.lanes.filter((lane) => lane.bulk).map((lane) => lane.queue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: "Maximum", label: lane.channel }))),
    );
    this.dashboard.addWidgets(
      graph("Function errors", [new MathExpression({ expression: "SUM([" + props.functions.map((_, index) => `e${index}`).join(",") + "])", usingMetrics: Object.fromEntries(props.functions.map((fn, index) => [`e${index}`, fn.metricErrors({ period: PERIOD })])), label: "all functions", period: PERIOD }), ...props.functions.map((fn) => fn.metricErrors({ period: PERIOD, statistic: "Sum" }))], 12),
      new AlarmStatusWidget({ title: "Alarms", alarms: props.alarms, width: 12, height: 6 }),
    );
  }
}
