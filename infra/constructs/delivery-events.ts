import { Duration, Stack, Validations } from "aws-cdk-lib";
import type { IKey } from "aws-cdk-lib/aws-kms";
import type { ITableV2 } from "aws-cdk-lib/aws-dynamodb";
import { Stream, StreamEncryption, StreamMode } from "aws-cdk-lib/aws-kinesis";
import { StartingPosition } from "aws-cdk-lib/aws-lambda";
import { KinesisEventSource, SqsDlq } from "aws-cdk-lib/aws-lambda-event-sources";
import type { Queue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { NotifyFunction } from "./notify-function.ts";
import { deadLetterQueue } from "./queue-with-dead-letters.ts";

export interface DeliveryEventsProps {
  readonly deliveries: ITableV2;
  /** Engagement counters: each batch adds its counts, one update per bucket. */
  readonly analytics: ITableV2;
  /** Provisioned shards; 0 selects on-demand capacity. @default 1 */
  readonly shardCount?: number;
  /** Retries of a failing batch before its range goes to the failure queue. @default 10 */
  readonly retryAttempts?: number;
  /** Customer-managed key for the stream and the failure queue. @default AWS-managed keys */
  readonly encryptionKey?: IKey;
}

/**
 * The `delivery-events` stream and the function that folds it into the deliveries table. A batch
 * that keeps failing is bisected to isolate the bad record, then recorded on a failure queue.
 */
export class DeliveryEvents extends Construct {
  readonly stream: Stream;
  readonly processor: NotifyFunction;
  readonly failureQueue: Queue;

  constructor(scope: Construct, id: string, props: DeliveryEventsProps) {
    super(scope, id);
    const shardCount = props.shardCount ?? 1;
    this.stream = new Stream(this, "Stream", {
      streamName: `${Stack.of(this).stackName}-delivery-events`,
      ...(props.encryptionKey ? { encryption: StreamEncryption.KMS, encryptionKey: props.encryptionKey } : { encryption: StreamEncryption.MANAGED }),
      retentionPeriod: Duration.hours(24),
      ...(shardCount === 0 ? { streamMode: StreamMode.ON_DEMAND } : { streamMode: StreamMode.PROVISIONED, shardCount }),
    });
    this.failureQueue = deadLetterQueue(this, "FailureQueue", { queueName: `${Stack.of(this).stackName}-delivery-events-failures`, encryptionKey: props.encryptionKey });
    Validations.of(this.failureQueue).acknowledge({
      id: "AwsSolutions-SQS3",
      reason: "This queue is itself a dead-letter queue: the stream event source's on-failure destination, which SQS redrive policies do not describe.",
    });
    this.processor = new NotifyFunction(this, "Processor", {
      entry: "delivery-events.ts",
      serviceName: "delivery-events",
    });
    this.processor.useTable("DELIVERIES_TABLE_NAME", props.deliveries, "read-write");
    this.processor.useTable("ANALYTICS_TABLE_NAME", props.analytics, ["dynamodb:UpdateItem"]);
    this.processor.function.addEventSource(
      new KinesisEventSource(this.stream, {
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: 100,
        maxBatchingWindow: Duration.seconds(1),
        bisectBatchOnError: true,
        retryAttempts: props.retryAttempts ?? 10,
        reportBatchItemFailures: true,
        onFailure: new SqsDlq(this.failureQueue),
      }),
    );
  }
}
