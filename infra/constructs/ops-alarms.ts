import { Duration } from "aws-cdk-lib";
import { Alarm, ComparisonOperator, TreatMissingData, type IMetric } from "aws-cdk-lib/aws-cloudwatch";
import { SnsAction } from "aws-cdk-lib/aws-cloudwatch-actions";
import type { Stream } from "aws-cdk-lib/aws-kinesis";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import { Key } from "aws-cdk-lib/aws-kms";
import { Topic } from "aws-cdk-lib/aws-sns";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import { ServicePrincipal } from "aws-cdk-lib/aws-iam";
import { Construct } from "constructs";

export interface OpsAlarmsProps {
  /** Oldest message age on a channel queue that pages. @default Duration.minutes(5) */
  readonly maxQueueAge?: Duration;
  /** Kinesis iterator age that pages. @default Duration.minutes(5) */
  readonly maxIteratorAge?: Duration;
}

/** The alarms on the pipeline, all notifying one ops topic that the team subscribes to. */
export class OpsAlarms extends Construct {
  readonly topic: Topic;
  readonly alarms: Alarm[] = [];
  private readonly action: SnsAction;
  private readonly props: OpsAlarmsProps;

  constructor(scope: Construct, id: string, props: OpsAlarmsProps = {}) {
    super(scope, id);
    this.props = props;
    // CloudWatch cannot use the AWS-managed SNS key, so the ops topic has its own key that allows it.
    const key = new Key(this, "TopicKey", { enableKeyRotation: true, description: "Encrypts the notification stack's ops alarm topic" });
    key.grant(new ServicePrincipal("cloudwatch.amazonaws.com"), "kms:Decrypt", "kms:GenerateDataKey*");
    this.topic = new Topic(this, "Topic", { masterKey: key, enforceSSL: true, displayName: "Notification stack alarms" });
    this.action = new SnsAction(this.topic);
  }

  deadLetterQueue(id: string, queue: IQueue): void {
    this.add(id, queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: "Maximum" }), 1, `${id}: a message was dead-lettered`);
  }

  queueAge(id: string, queue: IQueue): void {
    const limit = this.props.maxQueueAge ?? Duration.minutes(5);
    this.add(id, queue.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(1), statistic: "Maximum" }), limit.toSeconds(), `${id}: oldest message older than ${limit.toHumanString()}`);
  }

  functionErrors(id: string, fn: IFunction): void {
    this.add(id, fn.metricErrors({ period: Duration.minutes(1), statistic: "Sum" }), 1, `${id}: the function reported errors`);
  }

  /** Alarms when a metric the functions emit counts anything in a minute. */
  anyOf(id: string, metric: IMetric, description: string): void {
    this.add(id, metric, 1, `${id}: ${description}`);
  }

  iteratorAge(id: string, stream: Stream): void {
    const limit = this.props.maxIteratorAge ?? Duration.minutes(5);
    this.add(id, stream.metricGetRecordsIteratorAgeMilliseconds({ period: Duration.minutes(1), statistic: "Maximum" }), limit.toMilliseconds(), `${id}: consumers lag more than ${limit.toHumanString()}`);
  }

  private add(id: string, metric: IMetric, threshold: number, description: string): void {
    const alarm = new Alarm(this, id, {
      metric,
      threshold,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
      alarmDescription: description,
    });
    alarm.addAlarmAction(this.action);
    this.alarms.push(alarm);
  }
}
