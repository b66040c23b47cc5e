import { Duration } from "aws-cdk-lib";
import type { ITableV2 } from "aws-cdk-lib/aws-dynamodb";
import { Rule, Schedule } from "aws-cdk-lib/aws-events";
import { LambdaFunction } from "aws-cdk-lib/aws-events-targets";
import type { ITopic } from "aws-cdk-lib/aws-sns";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { NotifyFunction } from "./notify-function.ts";

export interface DeferredDeliveryProps {
  readonly deferred: ITableV2;
  /** Read to drop an escalation whose original delivery was already opened; a digest's members' rows are taken for their window. */
  readonly deliveries: ITableV2;
  /** Read for a digest's template: its active version renders the digest. */
  readonly templates: ITableV2;
  readonly templateCacheSeconds: number;
  readonly topic: ITopic;
  /** Where a scheduled broadcast's first pages go when it is due. */
  readonly expansionQueue: IQueue;
  /** Read for a scheduled broadcast's member count when it is released, which sizes its rows' spread. */
  readonly audiences: ITableV2;
  /** How often due items are released; quiet hours end on the minute. @default Duration.minutes(1) */
  readonly interval?: Duration;
}

/** The scheduled sweeper that releases what is due: deliveries held for quiet hours, escalations, scheduled notifications and broadcasts, and digest windows. */
export class DeferredDelivery extends Construct {
  readonly sweeper: NotifyFunction;
  readonly schedule: Rule;

  constructor(scope: Construct, id: string, props: DeferredDeliveryProps) {
    super(scope, id);
    this.sweeper = new NotifyFunction(this, "Sweeper", {
      entry: "deferred-sweeper.ts",
      serviceName: "deferred-sweeper",
      timeout: Duration.seconds(55),
      environment: { NOTIFICATIONS_TOPIC_ARN: props.topic.topicArn, EXPANSION_QUEUE_URL: props.expansionQueue.queueUrl, TEMPLATE_CACHE_SECONDS: String(props.templateCacheSeconds) },
    });
    this.sweeper.useTable("DEFERRED_TABLE_NAME", props.deferred, "read-write").useTable("DELIVERIES_TABLE_NAME", props.deliveries, ["dynamodb:GetItem", "dynamodb:UpdateItem"]);
    this.sweeper.useTable("TEMPLATES_TABLE_NAME", props.templates, ["dynamodb:GetItem"]).useTable("AUDIENCES_TABLE_NAME", props.audiences, ["dynamodb:GetItem"]);
    props.topic.grantPublish(this.sweeper.function);
    props.expansionQueue.grantSendMessages(this.sweeper.function);
    // A sweep that fails has released all it could and left the rest for the next minute's sweep:
    // Lambda's two asynchronous retries would only run overlapping sweeps of the same items.
    this.sweeper.function.configureAsyncInvoke({ retryAttempts: 0 });
    this.schedule = new Rule(this, "Schedule", {
      description: "Releases held deliveries, scheduled notifications and digest windows when they are due",
      schedule: Schedule.rate(props.interval ?? Duration.minutes(1)),
      targets: [new LambdaFunction(this.sweeper.function, { retryAttempts: 2 })],
    });
  }
}
