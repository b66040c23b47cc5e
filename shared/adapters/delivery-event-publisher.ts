import { PutRecordsCommand, type KinesisClient } from "@aws-sdk/client-kinesis";
import type { DeliveryEvent } from "../domain/delivery-event.ts";
import { sendResendingFailed } from "../lib/resend-failed.ts";

const MAX_ATTEMPTS = 4;

/** Puts delivery events on the stream, resending only the records Kinesis rejected (throttled shards). */
export class DeliveryEventPublisher {
  private readonly client: KinesisClient;
  private readonly streamName: string;
  private readonly sleep: (millis: number) => Promise<void>;

  constructor(client: KinesisClient, streamName: string, sleep: (millis: number) => Promise<void>) {
    this.client = client;
    this.streamName = streamName;
    this.sleep = sleep;
  }

  async publish(events: DeliveryEvent[]): Promise<void> {
    await sendResendingFailed(
      events,
      async (pending) => {
        const response = await this.client.send(
          new PutRecordsCommand({
            StreamName: this.streamName,
            Records: pending.map((event) => ({ PartitionKey: event.userId, Data: Buffer.from(JSON.stringify(event)) })),
          }),
        );
        const failed = response.FailedRecordCount ? pending.filter((_, index) => response.Records?.[index]?.ErrorCode) : [];
        return { failed, retryable: true, detail: response.Records?.find((record) => record.ErrorCode)?.ErrorCode ?? "" };
      },
      { maxAttempts: MAX_ATTEMPTS, sleep: this.sleep, giveUp: (failed, detail) => new Error(`${failed.length} delivery events were not accepted by ${this.streamName}: ${detail}`) },
    );
  }
}
