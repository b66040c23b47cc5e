import { PutRecordsCommand, type KinesisClient, type PutRecordsRequestEntry } from "@aws-sdk/client-kinesis";
import type { DeliveryEvent } from "../domain/delivery-event.ts";
import { batchesWithin } from "../lib/batches-within.ts";
import { sendResendingFailed } from "../lib/resend-failed.ts";
import { AWS_LIMITS } from "./aws-limits.ts";

const MAX_ATTEMPTS = 4;

/** What PutRecords counts against its 10 MiB: each record's data and partition key. */
const recordBytes = (record: PutRecordsRequestEntry) => record.Data!.byteLength + Buffer.byteLength(record.PartitionKey!, "utf8");

/**
 * Puts delivery events on the stream in requests within PutRecords' record count and bytes,
 * resending only the records Kinesis rejected (throttled shards).
 */
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
    const records = events.map((event): PutRecordsRequestEntry => ({ PartitionKey: event.userId, Data: Buffer.from(JSON.stringify(event)) }));
    const batches = batchesWithin(records, { maxEntries: AWS_LIMITS.kinesis.putRecordsRecords, maxBytes: AWS_LIMITS.kinesis.putRecordsBytes, bytesOf: recordBytes });
    for (const batch of batches) await this.putRecords(batch);
  }

  private async putRecords(records: PutRecordsRequestEntry[]): Promise<void> {
    await sendResendingFailed(
      records,
      async (pending) => {
        const response = await this.client.send(new PutRecordsCommand({ StreamName: this.streamName, Records: pending }));
        const failed = response.FailedRecordCount ? pending.filter((_, index) => response.Records?.[index]?.ErrorCode) : [];
        return { failed, retryable: true, detail: response.Records?.find((record) => record.ErrorCode)?.ErrorCode ?? "" };
      },
      { maxAttempts: MAX_ATTEMPTS, sleep: this.sleep, giveUp: (failed, detail) => new Error(`${failed.length} delivery events were not accepted by ${this.streamName}: ${detail}`) },
    );
  }
}
