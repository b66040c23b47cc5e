import { Duration, Stack } from "aws-cdk-lib";
import type { ITableV2 } from "aws-cdk-lib/aws-dynamodb";
import { Effect, PolicyStatement, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import type { IStream } from "aws-cdk-lib/aws-kinesis";
import { Key, type IKey } from "aws-cdk-lib/aws-kms";
import { SqsEventSource } from "aws-cdk-lib/aws-lambda-event-sources";
import { Topic } from "aws-cdk-lib/aws-sns";
import { SqsSubscription } from "aws-cdk-lib/aws-sns-subscriptions";
import type { Queue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { NotifyFunction } from "./notify-function.ts";
import { queueWithDeadLetters } from "./queue-with-dead-letters.ts";

export interface ProviderFeedbackProps {
  readonly preferences: ITableV2;
  readonly stream: IStream;
  /** The stack's customer-managed key, if it has one. @default a key of its own for the topic */
  readonly encryptionKey?: IKey;
}

/**
 * What providers report after a send (SES bounces, complaints, deliveries, opens and clicks; End
 * User Messaging SMS receipts) arrives on a topic, waits in a queue, and a function turns it into
 * delivery events, switching a channel off on a hard bounce or a complaint.
 */
export class ProviderFeedback extends Construct {
  readonly topic: Topic;
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  readonly processor: NotifyFunction;
  readonly preferences: ITableV2;
  readonly stream: IStream;

  constructor(scope: Construct, id: string, props: ProviderFeedbackProps) {
    super(scope, id);
    this.preferences = props.preferences;
    this.stream = props.stream;
    const stack = Stack.of(this);
    // AWS services publish to an encrypted topic only with a key whose policy lets them; the AWS-managed one cannot.
    const key = props.encryptionKey ?? new Key(this, "TopicKey", { enableKeyRotation: true, description: "Encrypts the notification stack's provider feedback topic" });
    for (const service of ["ses.amazonaws.com", "sms-voice.amazonaws.com"]) key.grant(new ServicePrincipal(service), "kms:Decrypt", "kms:GenerateDataKey*");
    this.topic = new Topic(this, "Topic", { topicName: `${stack.stackName}-provider-feedback`, masterKey: key, enforceSSL: true });
    this.topic.addToResourcePolicy(
      new PolicyStatement({
        sid: "EndUserMessagingSmsReceipts",
        effect: Effect.ALLOW,
        principals: [new ServicePrincipal("sms-voice.amazonaws.com")],
        actions: ["sns:Publish"],
        resources: [this.topic.topicArn],
        conditions: { StringEquals: { "aws:SourceAccount": stack.account } },
      }),
    );

    ({ queue: this.queue, deadLetterQueue: this.deadLetterQueue } = queueWithDeadLetters(this, {
      queueName: `${stack.stackName}-provider-feedback`,
      visibilityTimeout: Duration.seconds(180),
      maxReceiveCount: 5,
      encryptionKey: props.encryptionKey,
    }));
    this.topic.addSubscription(new SqsSubscription(this.queue));

    this.processor = new NotifyFunction(this, "Processor", {
      entry: "provider-feedback.ts",
      serviceName: "provider-feedback",
    });
    this.processor.useTable("PREFERENCES_TABLE_NAME", props.preferences, ["dynamodb:UpdateItem"]).writesTo("DELIVERY_EVENTS_STREAM_NAME", props.stream);
    this.processor.function.addEventSource(new SqsEventSource(this.queue, { batchSize: 10, reportBatchItemFailures: true, maxConcurrency: 5 }));
  }
}
