import { Duration, Stack } from "aws-cdk-lib";
import type { ITableV2 } from "aws-cdk-lib/aws-dynamodb";
import type { IStream } from "aws-cdk-lib/aws-kinesis";
import type { IKey } from "aws-cdk-lib/aws-kms";
import { SqsEventSource } from "aws-cdk-lib/aws-lambda-event-sources";
import type { ITopic } from "aws-cdk-lib/aws-sns";
import { Queue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { queueEncryption } from "../security/queue-encryption.ts";
import { NotifyFunction } from "./notify-function.ts";

export interface BroadcastExpansionProps {
  readonly topic: ITopic;
  readonly deliveries: ITableV2;
  readonly audiences: ITableV2;
  /** Where the publish budget's one-second windows are counted. */
  readonly sendWindows: ITableV2;
  /** notify:broadcastPublishRate: messages a second all expanders together publish at most. */
  readonly publishRate: number;
  /** Expanders at once; one per audience shard lets every shard run in parallel. */
  readonly concurrency: number;
  /** The expander's timeout; the queue's visibility is six times it, as for every Lambda event source. */
  readonly timeout: Duration;
  readonly encryptionKey?: IKey;
  /** The delivery-events stream, where a cancel puts each delivery it takes back. */
  readonly stream: IStream;
}

/**
 * Broadcast expansion: a FIFO queue of page messages (a group per audience shard, so shards run in
 * parallel and each in order) and the expander that publishes one page of members per message, or
 * takes back one page of a canceled broadcast's deliveries.
 */
export class BroadcastExpansion extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  readonly expander: NotifyFunction;

  constructor(scope: Construct, id: string, props: BroadcastExpansionProps) {
    super(scope, id);
    const name = `${Stack.of(this).stackName}-broadcast-expansion`;
    this.deadLetterQueue = new Queue(this, "DeadLetterQueue", { queueName: `${name}-dlq.fifo`, fifo: true, ...queueEncryption(props.encryptionKey), enforceSSL: true, retentionPeriod: Duration.days(14) });
    this.queue = new Queue(this, "Queue", {
      queueName: `${name}.fifo`,
      fifo: true,
      ...queueEncryption(props.encryptionKey),
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(props.timeout.toSeconds() * 6),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: 5 },
    });
    this.expander = new NotifyFunction(this, "Expander", {
      entry: "broadcast-expander.ts",
      serviceName: "broadcast-expander",
      timeout: props.timeout,
      environment: {
        NOTIFICATIONS_TOPIC_ARN: props.topic.topicArn,
        EXPANSION_QUEUE_URL: this.queue.queueUrl,
        BROADCAST_PUBLISH_RATE: String(props.publishRate),
      },
    });
    this.expander
      // A cancel reads its page's originals for the escalations it takes back, with BatchGetItem.
      .useTable("DELIVERIES_TABLE_NAME", props.deliveries, ["dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:BatchGetItem"])
      .useTable("AUDIENCES_TABLE_NAME", props.audiences, ["dynamodb:Query"])
      .useTable("SEND_RATE_TABLE_NAME", props.sendWindows, ["dynamodb:UpdateItem"]);
    this.expander.writesTo("DELIVERY_EVENTS_STREAM_NAME", props.stream);
    props.topic.grantPublish(this.expander.function);
    this.queue.grantSendMessages(this.expander.function);
    // One page an invocation: a batch of several shards' pages would run them one after another.
    this.expander.function.addEventSource(new SqsEventSource(this.queue, { batchSize: 1, reportBatchItemFailures: true, maxConcurrency: props.concurrency }));
  }
}
