import { Duration, Stack } from "aws-cdk-lib";
import type { ITableV2 } from "aws-cdk-lib/aws-dynamodb";
import { Effect, PolicyStatement, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import type { IStream } from "aws-cdk-lib/aws-kinesis";
import { Key, type IKey } from "aws-cdk-lib/aws-kms";
import { SqsDestination } from "aws-cdk-lib/aws-lambda-destinations";
import { SqsEventSource } from "aws-cdk-lib/aws-lambda-event-sources";
import { FilterPattern, LogGroup, SubscriptionFilter } from "aws-cdk-lib/aws-logs";
import { LambdaDestination } from "aws-cdk-lib/aws-logs-destinations";
import { ConfigurationSet, EmailSendingEvent, EventDestination } from "aws-cdk-lib/aws-ses";
import { Topic } from "aws-cdk-lib/aws-sns";
import { SqsSubscription } from "aws-cdk-lib/aws-sns-subscriptions";
import { Queue } from "aws-cdk-lib/aws-sqs";
import { queueEncryption } from "../security/queue-encryption.ts";
import { Construct } from "constructs";
import { NotifyFunction } from "./notify-function.ts";

export interface PushReceiptsProps {
  /** The SNS platform applications' delivery status log groups, success and failure alike. */
  readonly logGroupNames: readonly string[];
  /** Where the push worker indexes SNS message ids by delivery. */
  readonly dedup: ITableV2;
  readonly dedupRetention: Duration;
}

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
  private readonly preferences: ITableV2;
  private readonly stream: IStream;

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

    const encryption = queueEncryption(props.encryptionKey);
    this.deadLetterQueue = new Queue(this, "DeadLetterQueue", { queueName: `${stack.stackName}-provider-feedback-dlq`, ...encryption, enforceSSL: true, retentionPeriod: Duration.days(14) });
    this.queue = new Queue(this, "Queue", {
      queueName: `${stack.stackName}-provider-feedback`,
      ...encryption,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(180),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: 5 },
    });
    this.topic.addSubscription(new SqsSubscription(this.queue));

    this.processor = new NotifyFunction(this, "Processor", {
      entry: "provider-feedback.ts",
      serviceName: "provider-feedback",
      environment: { PREFERENCES_TABLE_NAME: props.preferences.tableName, DELIVERY_EVENTS_STREAM_NAME: props.stream.streamName },
    });
    props.preferences.grant(this.processor.function, "dynamodb:UpdateItem");
    props.stream.grantWrite(this.processor.function);
    this.processor.function.addEventSource(new SqsEventSource(this.queue, { batchSize: 10, reportBatchItemFailures: true, maxConcurrency: 5 }));
  }

  /**
   * SNS mobile push delivery status logs, read through CloudWatch Logs subscriptions: deliveries
   * and failures become delivery events, and a device whose token is gone leaves the user's
   * endpoints. A batch that still fails after Lambda's two retries lands in the feedback DLQ.
   */
  readPushReceipts(props: PushReceiptsProps): NotifyFunction {
    const reader = new NotifyFunction(this, "PushReceipts", {
      entry: "push-receipts.ts",
      serviceName: "push-receipts",
      environment: {
        PREFERENCES_TABLE_NAME: this.preferences.tableName,
        DEDUP_TABLE_NAME: props.dedup.tableName,
        DEDUP_RETENTION_SECONDS: String(props.dedupRetention.toSeconds()),
        DELIVERY_EVENTS_STREAM_NAME: this.stream.streamName,
      },
    });
    this.preferences.grant(reader.function, "dynamodb:GetItem", "dynamodb:PutItem");
    props.dedup.grant(reader.function, "dynamodb:GetItem");
    this.stream.grantWrite(reader.function);
    reader.function.configureAsyncInvoke({ retryAttempts: 2, onFailure: new SqsDestination(this.deadLetterQueue) });
    props.logGroupNames.forEach((logGroupName, index) => {
      new SubscriptionFilter(this, `PushDeliveryStatus${index}`, {
        logGroup: LogGroup.fromLogGroupName(this, `PushDeliveryStatusLogs${index}`, logGroupName),
        destination: new LambdaDestination(reader.function),
        filterPattern: FilterPattern.allEvents(),
      });
    });
    return reader;
  }

  /** An SES configuration set for the email worker to send with, whose events come here. */
  createSesConfigurationSet(): ConfigurationSet {
    const configurationSet = new ConfigurationSet(this, "ConfigurationSet", {});
    configurationSet.addEventDestination("ToFeedbackTopic", {
      destination: EventDestination.snsTopic(this.topic),
      events: [EmailSendingEvent.DELIVERY, EmailSendingEvent.BOUNCE, EmailSendingEvent.COMPLAINT, EmailSendingEvent.OPEN, EmailSendingEvent.CLICK],
    });
    return configurationSet;
  }
}
