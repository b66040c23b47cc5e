import { Duration, Stack } from "aws-cdk-lib";
import type { IKey } from "aws-cdk-lib/aws-kms";
import { SubscriptionFilter, type ITopic } from "aws-cdk-lib/aws-sns";
import { SqsSubscription } from "aws-cdk-lib/aws-sns-subscriptions";
import type { Queue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import type { MessageKind } from "#shared/domain/channel-message.ts";
import type { Channel } from "#shared/domain/channels.ts";
import { queueWithDeadLetters } from "./queue-with-dead-letters.ts";

export interface ChannelQueueProps {
  readonly channel: Channel;
  readonly topic: ITopic;
  /** Receives before a message moves to the DLQ. @default 5 */
  readonly maxReceiveCount?: number;
  /** At least six times the worker's timeout, as AWS advises for SQS event sources. @default Duration.minutes(3) */
  readonly visibilityTimeout?: Duration;
  /**
   * Which priorities this queue takes: all of them, only `high` (an express lane that is never
   * batched), or all but `high` (the lane beside an express one). @default "all"
   */
  readonly priorities?: "all" | "high" | "not-high";
  /** Direct (transactional) messages, or a broadcast's, which have a bulk lane of their own. @default "direct" */
  readonly kind?: MessageKind;
  /** Customer-managed key for both queues. @default SQS-managed encryption (SSE-SQS) */
  readonly encryptionKey?: IKey;
}

/**
 * One channel's inbox from the topic: a queue that receives the messages of one kind (direct or
 * broadcast) whose `channels` attribute contains this channel, and the DLQ that catches what keeps failing.
 */
export class ChannelQueue extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  readonly maxReceiveCount: number;

  constructor(scope: Construct, id: string, props: ChannelQueueProps) {
    super(scope, id);
    const priorities = props.priorities ?? "all";
    const kind = props.kind ?? "direct";
    const suffix = kind === "broadcast" ? "-bulk" : priorities === "high" ? "-high" : "";
    const prefix = `${Stack.of(this).stackName}-${props.channel.replace("_", "-")}${suffix}`;
    this.maxReceiveCount = props.maxReceiveCount ?? 5;
    ({ queue: this.queue, deadLetterQueue: this.deadLetterQueue } = queueWithDeadLetters(this, {
      queueName: prefix,
      visibilityTimeout: props.visibilityTimeout ?? Duration.minutes(3),
      maxReceiveCount: this.maxReceiveCount,
      encryptionKey: props.encryptionKey,
    }));
    props.topic.addSubscription(
      new SqsSubscription(this.queue, {
        rawMessageDelivery: true,
        filterPolicy: {
          kind: SubscriptionFilter.stringFilter({ allowlist: [kind] }),
          channels: SubscriptionFilter.stringFilter({ allowlist: [props.channel] }),
          ...(priorities === "high" ? { priority: SubscriptionFilter.stringFilter({ allowlist: ["high"] }) } : {}),
          ...(priorities === "not-high" ? { priority: SubscriptionFilter.stringFilter({ denylist: ["high"] }) } : {}),
        },
      }),
    );
  }
}
