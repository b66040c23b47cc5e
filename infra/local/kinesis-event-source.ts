import { setTimeout as sleep } from "node:timers/promises";
import { GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand, type KinesisClient, type _Record } from "@aws-sdk/client-kinesis";
import { SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { KinesisStreamEvent } from "aws-lambda";
import type { LocalFunction } from "./local-function.ts";

export interface KinesisEventSourceOptions {
  kinesis: KinesisClient;
  sqs: SQSClient;
  streamName: string;
  streamArn: string;
  region: string;
  function: LocalFunction;
  /** @default 100 */
  batchSize?: number;
  startingPosition: "TRIM_HORIZON" | "LATEST";
  bisectBatchOnFunctionError: boolean;
  /** -1 retries until the records expire, as on AWS. @default -1 */
  maximumRetryAttempts?: number;
  reportBatchItemFailures: boolean;
  /** Queue URL that receives a description of each batch that exhausted its retries. */
  onFailureQueueUrl?: string;
  /** How often an idle shard is read again; Lambda polls each shard about once a second. @default 200 */
  pollIntervalMillis?: number;
  /** Fault injection: what AWS may do to a consumer, asked once per batch. */
  replays?: StreamReplays;
}

/**
 * What Lambda and Kinesis may hand a consumer again, for a chaos run: a batch whose success Lambda
 * did not learn of (an invocation that timed out after its writes landed) is retried, and a
 * producer's retried PutRecords puts a record twice.
 */
export interface StreamReplays {
  replayBatch(): boolean;
  duplicateRecord(): boolean;
}

interface ShardState {
  shardId: string;
  caughtUp: boolean;
  processing: boolean;
  /** Arrival time of the newest record handed to the function; undefined once caught up. */
  newestArrival?: number;
}

/**
 * Lambda's Kinesis poller: one reader per shard, records handed over in order, and a failing batch
 * retried from its first failed record (ReportBatchItemFailures) or split in half (bisect) until it
 * succeeds or runs out of retries, when it is described on the on-failure queue and skipped. A
 * shard never moves past a batch it has not finished, so a user's events keep their order.
 */
export class KinesisEventSource {
  private readonly options: KinesisEventSourceOptions;
  private readonly abort = new AbortController();
  private readonly shards: ShardState[] = [];
  private readers: Promise<void>[] = [];
  private readonly observers = new Set<(records: _Record[]) => void>();

  constructor(options: KinesisEventSourceOptions) {
    this.options = options;
  }

  async start(): Promise<void> {
    const { Shards = [] } = await this.options.kinesis.send(new ListShardsCommand({ StreamName: this.options.streamName }));
    for (const shard of Shards) {
      const state: ShardState = { shardId: shard.ShardId!, caughtUp: false, processing: false };
      this.shards.push(state);
      this.readers.push(
        this.read(state).catch((error) => {
          if (!this.abort.signal.aborted) console.error(`Kinesis poller for ${state.shardId} stopped:`, error);
        }),
      );
    }
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await Promise.all(this.readers);
  }

  /** Hears every page of records read from the stream, before the function gets it. */
  observe(observer: (records: _Record[]) => void): () => void {
    this.observers.add(observer);
    return () => this.observers.delete(observer);
  }

  isIdle(): boolean {
    return this.shards.every((shard) => shard.caughtUp && !shard.processing);
  }

  get streamName(): string {
    return this.options.streamName;
  }

  /**
   * Lambda's IteratorAge: how old the newest record of the batch in hand is, across shards; 0 when
   * every shard is caught up.
   */
  iteratorAgeMillis(now = Date.now()): number {
    return Math.max(0, ...this.shards.map((shard) => (shard.newestArrival === undefined ? 0 : now - shard.newestArrival)));
  }

  private async read(shard: ShardState): Promise<void> {
    const { kinesis, streamName } = this.options;
    const signal = this.abort.signal;
    let { ShardIterator: iterator } = await kinesis.send(new GetShardIteratorCommand({ StreamName: streamName, ShardId: shard.shardId, ShardIteratorType: this.options.startingPosition }), { abortSignal: signal });
    while (!signal.aborted && iterator) {
      const page = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: this.options.batchSize ?? 100 }), { abortSignal: signal });
      iterator = page.NextShardIterator;
      const records = page.Records ?? [];
      if (records.length === 0) {
        shard.caughtUp = (page.MillisBehindLatest ?? 0) === 0;
        if (shard.caughtUp) shard.newestArrival = undefined;
        await sleep(this.options.pollIntervalMillis ?? 200, undefined, { signal });
        continue;
      }
      shard.caughtUp = false;
      shard.processing = true;
      for (const observer of this.observers) observer(records);
      shard.newestArrival = records.at(-1)!.ApproximateArrivalTimestamp?.getTime();
      try {
        await this.deliver(shard.shardId, records);
      } finally {
        shard.processing = false;
      }
    }
  }

  private async deliver(shardId: string, records: _Record[]): Promise<void> {
    const maxRetries = this.options.maximumRetryAttempts ?? -1;
    const pending: _Record[][] = [records];
    while (pending.length > 0 && !this.abort.signal.aborted) {
      let batch = pending.shift()!;
      if (this.options.replays?.duplicateRecord()) {
        // The copy follows its original, as a retried PutRecords of one worker's events lands.
        const repeated = Math.floor(Math.random() * batch.length);
        batch = [...batch.slice(0, repeated + 1), batch[repeated]!, ...batch.slice(repeated + 1)];
      }
      for (let retries = 0; ; retries++) {
        const outcome = await this.options.function.invoke(this.event(shardId, batch));
        const firstFailed = outcome.ok ? this.firstFailedIndex(batch, outcome.result) : 0;
        if (firstFailed === -1 && this.options.replays?.replayBatch()) {
          // From a random record on: a whole batch, or the tail a partial failure would resume from.
          batch = batch.slice(Math.floor(Math.random() * batch.length));
          continue;
        }
        if (firstFailed === -1) break;
        if (!outcome.ok && this.options.bisectBatchOnFunctionError && batch.length > 1) {
          const middle = Math.ceil(batch.length / 2);
          pending.unshift(batch.slice(0, middle), batch.slice(middle));
          break;
        }
        // Records before the first reported failure are checkpointed; the retry starts at it.
        batch = batch.slice(firstFailed);
        if (maxRetries !== -1 && retries >= maxRetries) {
          await this.reportExhausted(shardId, batch, retries + 1, outcome.ok ? undefined : outcome.error.errorType);
          break;
        }
        await sleep(Math.min(2000, 100 * 2 ** retries), undefined, { signal: this.abort.signal });
      }
    }
  }

  /** -1 when the batch succeeded; otherwise the index to resume from. */
  private firstFailedIndex(batch: _Record[], result: unknown): number {
    if (!this.options.reportBatchItemFailures) return -1;
    const failures = (result as { batchItemFailures?: unknown } | null | undefined)?.batchItemFailures;
    if (failures === undefined || failures === null) return -1;
    if (!Array.isArray(failures)) return 0;
    if (failures.length === 0) return -1;
    let first = batch.length;
    for (const failure of failures) {
      const index = batch.findIndex((record) => record.SequenceNumber === (failure as { itemIdentifier?: unknown })?.itemIdentifier);
      if (index === -1) return 0;
      first = Math.min(first, index);
    }
    return first;
  }

  private event(shardId: string, batch: _Record[]): KinesisStreamEvent {
    return {
      Records: batch.map((record) => ({
        kinesis: {
          kinesisSchemaVersion: "1.0",
          partitionKey: record.PartitionKey!,
          sequenceNumber: record.SequenceNumber!,
          data: Buffer.from(record.Data ?? new Uint8Array()).toString("base64"),
          approximateArrivalTimestamp: (record.ApproximateArrivalTimestamp?.getTime() ?? Date.now()) / 1000,
        },
        eventSource: "aws:kinesis",
        eventVersion: "1.0",
        eventID: `${shardId}:${record.SequenceNumber}`,
        eventName: "aws:kinesis:record",
        invokeIdentityArn: `arn:aws:iam::000000000000:role/${this.options.function.spec.name}`,
        awsRegion: this.options.region,
        eventSourceARN: this.options.streamArn,
      })),
    };
  }

  /** The record Lambda sends to an on-failure destination: where the skipped range is, not its data. */
  private async reportExhausted(shardId: string, batch: _Record[], attempts: number, functionError: string | undefined): Promise<void> {
    if (!this.options.onFailureQueueUrl) return;
    const body = {
      version: "1.0",
      timestamp: new Date().toISOString(),
      requestContext: { requestId: crypto.randomUUID(), functionArn: this.options.function.spec.arn, condition: "RetryAttemptsExhausted", approximateInvokeCount: attempts },
      responseContext: { statusCode: 200, executedVersion: "$LATEST", functionError },
      KinesisBatchInfo: {
        shardId,
        startSequenceNumber: batch[0]!.SequenceNumber,
        endSequenceNumber: batch.at(-1)!.SequenceNumber,
        approximateArrivalOfFirstRecord: batch[0]!.ApproximateArrivalTimestamp?.toISOString(),
        approximateArrivalOfLastRecord: batch.at(-1)!.ApproximateArrivalTimestamp?.toISOString(),
        batchSize: batch.length,
        streamArn: this.options.streamArn,
      },
    };
    await this.options.sqs.send(new SendMessageCommand({ QueueUrl: this.options.onFailureQueueUrl, MessageBody: JSON.stringify(body) }));
  }
}
