import { Duration } from "aws-cdk-lib";
import type { IKey } from "aws-cdk-lib/aws-kms";
import { Queue } from "aws-cdk-lib/aws-sqs";
import type { Construct } from "constructs";
import { queueEncryption } from "../security/queue-encryption.ts";

export interface DeadLetterQueueProps {
  readonly queueName: string;
  /** Customer-managed key. @default SQS-managed encryption (SSE-SQS) */
  readonly encryptionKey?: IKey;
}

export interface QueueWithDeadLettersProps extends DeadLetterQueueProps {
  /** Its consumer's timeout six times over, as AWS advises for Lambda event sources. */
  readonly visibilityTimeout: Duration;
  /** Receives before a message moves to the dead-letter queue. */
  readonly maxReceiveCount: number;
}

/** A queue that keeps what failed for 14 days, the longest SQS allows, so there is time to redrive it. */
export function deadLetterQueue(scope: Construct, id: string, props: DeadLetterQueueProps): Queue {
  return new Queue(scope, id, { queueName: props.queueName, ...queueEncryption(props.encryptionKey), enforceSSL: true, retentionPeriod: Duration.days(14) });
}

/** A work queue and its dead-letter queue (`<name>-dlq`), as `Queue` and `DeadLetterQueue` in `scope`, both HTTPS-only and encrypted. */
export function queueWithDeadLetters(scope: Construct, props: QueueWithDeadLettersProps): { queue: Queue; deadLetterQueue: Queue } {
  const deadLetters = deadLetterQueue(scope, "DeadLetterQueue", { queueName: `${props.queueName}-dlq`, encryptionKey: props.encryptionKey });
  const queue = new Queue(scope, "Queue", {
    queueName: props.queueName,
    ...queueEncryption(props.encryptionKey),
    enforceSSL: true,
    visibilityTimeout: props.visibilityTimeout,
    retentionPeriod: Duration.days(4),
    deadLetterQueue: { queue: deadLetters, maxReceiveCount: props.maxReceiveCount },
  });
  return { queue, deadLetterQueue: deadLetters };
}
