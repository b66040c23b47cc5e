import type { Duration } from "aws-cdk-lib";
import type { ITableV2 } from "aws-cdk-lib/aws-dynamodb";
import { SqsDestination } from "aws-cdk-lib/aws-lambda-destinations";
import { FilterPattern, LogGroup, SubscriptionFilter } from "aws-cdk-lib/aws-logs";
import { LambdaDestination } from "aws-cdk-lib/aws-logs-destinations";
import { NotifyFunction } from "./notify-function.ts";
import type { ProviderFeedback } from "./provider-feedback.ts";

export interface PushReceiptsProps {
  /** The SNS platform applications' delivery status log groups, success and failure alike. */
  readonly logGroupNames: readonly string[];
  /** Where the push worker indexes SNS message ids by delivery. */
  readonly dedup: ITableV2;
  readonly dedupRetention: Duration;
}

/**
 * SNS mobile push delivery status logs, read through CloudWatch Logs subscriptions: deliveries and
 * failures become delivery events, and a device whose token is gone leaves the user's endpoints. A
 * batch that still fails after Lambda's two retries lands in the feedback DLQ. Built inside the
 * feedback construct, where its resources have always been, so their ids do not change.
 */
export function readPushReceipts(feedback: ProviderFeedback, props: PushReceiptsProps): NotifyFunction {
  const reader = new NotifyFunction(feedback, "PushReceipts", {
    entry: "push-receipts.ts",
    serviceName: "push-receipts",
    environment: { DEDUP_RETENTION_SECONDS: String(props.dedupRetention.toSeconds()) },
  })
    .useTable("PREFERENCES_TABLE_NAME", feedback.preferences, ["dynamodb:GetItem", "dynamodb:PutItem"])
    .useTable("DEDUP_TABLE_NAME", props.dedup, ["dynamodb:GetItem"])
    .writesTo("DELIVERY_EVENTS_STREAM_NAME", feedback.stream);
  reader.function.configureAsyncInvoke({ retryAttempts: 2, onFailure: new SqsDestination(feedback.deadLetterQueue) });
  props.logGroupNames.forEach((logGroupName, index) => {
    new SubscriptionFilter(feedback, `PushDeliveryStatus${index}`, {
      logGroup: LogGroup.fromLogGroupName(feedback, `PushDeliveryStatusLogs${index}`, logGroupName),
      destination: new LambdaDestination(reader.function),
      filterPattern: FilterPattern.allEvents(),
    });
  });
  return reader;
}
