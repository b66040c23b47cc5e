import { PutRecordsCommand, type KinesisClient } from "@aws-sdk/client-kinesis";
import type { DeliveryEvent } from "./delivery-event.ts";

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
    let pending = events;
    for (let attempt = 1; pending.length > 0; attempt++) {
      const response = await this.client.send(
        new PutRecordsCommand({
          StreamName: this.streamName,
          Records: pending.map((event) => ({ PartitionKey: event.userId, Data: Buffer.from(JSON.stringify(event)) })),
        }),
      );
      if (!response.FailedRecordCount) return;
      pending = pending.filter((_, index) => response.Records?.[index]?.ErrorCode);
      if (attempt >= MAX_ATTEMPTS) {
        throw new Error(`${pending.length} delivery events were not accepted by ${this.streamName}: ${response.Records?.find((r) => r.ErrorCode)?.ErrorCode}`);
      }
      await this.sleep(50 * 2 ** attempt * Math.random());
    }
  }
}
