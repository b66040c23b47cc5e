import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { setTimeout as sleep } from "node:timers/promises";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { KinesisClient } from "@aws-sdk/client-kinesis";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { SQSClient } from "@aws-sdk/client-sqs";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { createNotifyApp } from "#infra/notify-app.ts";
import type { CfnTemplate } from "./cloudformation-template.ts";
import { LOCAL_ACCOUNT, LOCAL_REGION, startEmulators, type EmulatorEndpoints } from "./emulators.ts";
import { LogSubscriptions } from "./log-subscriptions.ts";
import { LOCAL_PUSH_LOG_GROUPS } from "./provider-notifications.ts";
import { HttpGateway } from "./http-gateway.ts";
import { KinesisEventSource } from "./kinesis-event-source.ts";
import { LocalClock } from "./local-clock.ts";
import { LocalFunction } from "./local-function.ts";
import { LocalOutbox } from "./local-outbox.ts";
import { localRoutes } from "./local-routes.ts";
import { localUserLinks, type LocalUserLinks } from "./local-browser-pages.ts";
import { LocalScheduler } from "./local-scheduler.ts";
import { LocalTimeToLive } from "./local-time-to-live.ts";
import { EXPANSION_FAULT_CHANNEL, ProviderFaults, STREAM_FAULT_CHANNEL, SWEEP_FAULT_CHANNEL, type FaultKind } from "./provider-faults.ts";
import { RecordingSink } from "./recording-sink.ts";
import { countRequestsOf } from "./sdk-request-counter.ts";
import { SqsEventSource } from "./sqs-event-source.ts";
import { UsageLedger } from "./usage-ledger.ts";
import type { PartitionReport } from "./partition-throughput.ts";
import { deployTemplate, type DeployedStack, type FunctionSpec } from "./template-deployer.ts";
import { deliveryKey } from "#shared/domain/delivery-event.ts";

export const PROJECT_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/**
 * Execution environments per function when the template reserves no concurrency. Each is a worker
 * thread with its own copy of the bundle and the SDK (tens of megabytes), and each already handles
 * its batch's records side by side; on two cores more of them only compete (4,000 deliveries on
 * this machine: 1 per function ran 228/s at 8.2 ms of CPU per delivery, 2 ran 198/s, 4 ran 166/s).
 * Two, not one: with one, a channel whose provider hangs holds every batch behind it, and under
 * the full chaos suite a republished copy then arrived after its first copy was dead-lettered,
 * leaving a DLQ message for a delivery that another copy sent.
 */
export const LOCAL_ENVIRONMENTS_PER_FUNCTION = 2;

/** Longest an invocation crash waits into the invocation before it kills it: a page or a batch takes about this long. */
const INVOCATION_CRASH_WITHIN_MILLIS: Partial<Record<FaultKind, number>> = { crash_expansion: 300, crash_worker: 50, crash_sweep: 50 };

/**
 * A function as its event source or schedule sees it, with invocation crashes: an invocation drawn
 * for one dies at a random point of its work (a broadcast page before, during or after its publish,
 * checkpoint or successor; a worker joining a digest; a sweep releasing a window), as an environment
 * lost on AWS would. Queue messages come back after their visibility timeout, a sweep's claims after
 * their lease.
 */
function crashingInvocations(fn: LocalFunction, faults: ProviderFaults, kind: FaultKind, channel: string): Pick<LocalFunction, "invoke" | "spec"> {
  return {
    spec: fn.spec,
    invoke(event, options) {
      if (faults.drawPerInvocation(kind, channel)) {
        setTimeout(() => fn.crashWhere((running) => running === event), Math.random() * INVOCATION_CRASH_WITHIN_MILLIS[kind]!);
      }
      return fn.invoke(event, options);
    },
  };
}

/** What kills a function's invocations when a fault rule asks: expanders, channel workers and the sweeper can be. */
function withInvocationCrashes(fn: LocalFunction, faults: ProviderFaults): Pick<LocalFunction, "invoke" | "spec"> {
  const environment = fn.spec.environment;
  if (environment.EXPANSION_QUEUE_URL && environment.BROADCAST_PUBLISH_RATE) return crashingInvocations(fn, faults, "crash_expansion", EXPANSION_FAULT_CHANNEL);
  if (environment.CHANNEL) return crashingInvocations(fn, faults, "crash_worker", environment.CHANNEL);
  return fn;
}

const environmentsOf = (spec: FunctionSpec) => spec.reservedConcurrency ?? LOCAL_ENVIRONMENTS_PER_FUNCTION;

export interface LocalCloudOptions {
  /** Port of the HTTP API; 0 picks a free one. @default 4000 */
  port?: number;
  /** Where the assembly and function logs go. @default <project>/.notify */
  stateDir?: string;
  /** Extra CDK context, merged over cdk.json's. */
  context?: Record<string, unknown>;
  /**
   * DynamoDB's per-partition limits (1,000 write and 3,000 read units a second per key) times this:
   * a tenth lets a test or a benchmark reach them with a tenth of the traffic. @default 1
   */
  partitionThroughputScale?: number;
}

export interface LocalCloud {
  apiUrl: string;
  endpoints: EmulatorEndpoints;
  region: string;
  outputs: Record<string, string>;
  stack: DeployedStack;
  stateDir: string;
  sink: RecordingSink;
  clock: LocalClock;
  faults: ProviderFaults;
  /** What the functions and event sources asked of AWS, and what their invocations took. */
  usage: UsageLedger;
  /** DynamoDB's hottest partition keys per table since the start or the last reset, and what was refused for them. */
  partitions(): Promise<PartitionReport>;
  resetPartitionCounts(): Promise<void>;
  /** Hears each record put on the delivery-events stream (parsed JSON) as it is read; returns a function that stops. */
  onDeliveryEvent(listener: (event: unknown) => void): () => void;
  /** Resolves once no message is queued or in flight and every stream consumer has caught up. */
  settled(timeoutMillis?: number): Promise<void>;
  /** Pauses or resumes the event source reading a queue, as disabling its mapping does on AWS (for benchmarks). */
  setPolling(queueUrl: string, polling: boolean): void;
  stop(): Promise<void>;
}

/** Where a newcomer's dev server usually runs (Vite, Next.js, Create React App and friends). */
export const LOCAL_ALLOWED_ORIGINS = ["http://localhost:3000", "http://localhost:5173", "http://localhost:8080"];

function cdkJsonContext(): Record<string, unknown> {
  return (JSON.parse(readFileSync(join(PROJECT_ROOT, "cdk.json"), "utf8")) as { context?: Record<string, unknown> }).context ?? {};
}

/** `cdk synth` in-process, with asset metadata on so each function's bundle can be found. */
function synthesize(assemblyDir: string, context: Record<string, unknown>): { template: CfnTemplate; stackName: string } {
  rmSync(assemblyDir, { recursive: true, force: true });
  // The local SNS platform application logs push delivery status to these groups; see /_local/feedback.
  const localPushLogGroups = [LOCAL_PUSH_LOG_GROUPS.success, LOCAL_PUSH_LOG_GROUPS.failure].join(",");
  const { app, stack } = createNotifyApp({
    outdir: assemblyDir,
    // Locally an activated template version is used at once (functions read it on every publish),
    // a rotated user-token key at once, and a dev server's page on the usual ports may embed the inbox.
    context: {
      ...cdkJsonContext(),
      "notify:pushDeliveryStatusLogGroups": localPushLogGroups,
      "notify:templateCacheSeconds": 0,
      "notify:userTokenCacheSeconds": 0,
      "notify:allowedOrigins": LOCAL_ALLOWED_ORIGINS,
      ...context,
      "aws:cdk:enable-asset-metadata": true,
    },
  });
  return { template: app.synth().getStackArtifact(stack.artifactId).template as CfnTemplate, stackName: stack.stackName };
}

/**
 * The environment a function sees: its template environment, Lambda's reserved variables, and the
 * emulator endpoints through the SDK's standard AWS_ENDPOINT_URL_* settings. Providers are swapped for
 * the recording sink by configuration (PROVIDER=http), never by a code path in the workers.
 */
function functionEnvironment(spec: FunctionSpec, endpoints: EmulatorEndpoints, sinkUrl: string): Record<string, string> {
  return {
    ...spec.environment,
    ...(spec.environment.PROVIDER ? { PROVIDER: "http", PROVIDER_HTTP_URL: sinkUrl } : {}),
    AWS_REGION: LOCAL_REGION,
    AWS_DEFAULT_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: "local",
    AWS_SECRET_ACCESS_KEY: "local",
    AWS_ENDPOINT_URL_SNS: endpoints.sns,
    AWS_ENDPOINT_URL_SQS: endpoints.sqs,
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
    AWS_ENDPOINT_URL_KINESIS: endpoints.kinesis,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoints.secretsmanager,
    AWS_LAMBDA_FUNCTION_NAME: spec.name,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(spec.memorySize),
    AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
    AWS_EXECUTION_ENV: "AWS_Lambda_nodejs22.x",
    LAMBDA_TASK_ROOT: spec.assetDir,
  };
}

/** notificationId#userId#channel of each parsable record in an SQS event (poison bodies are skipped). */
function deliveryKeysOf(event: unknown, channel: string): string[] {
  return ((event as { Records?: { body: string }[] }).Records ?? []).flatMap((record) => {
    try {
      const { notificationId, userId } = JSON.parse(record.body) as { notificationId?: string; userId?: string };
      return notificationId && userId ? [deliveryKey({ notificationId, userId, channel })] : [];
    } catch {
      return [];
    }
  });
}

export async function startLocalCloud(options: LocalCloudOptions = {}): Promise<LocalCloud> {
  const stateDir = options.stateDir ?? join(PROJECT_ROOT, ".notify");
  const logDir = join(stateDir, "logs");
  mkdirSync(logDir, { recursive: true });

  const emulators = await startEmulators({ partitionThroughputScale: options.partitionThroughputScale });
  const { endpoints } = emulators;
  const credentials = { accessKeyId: "local", secretAccessKey: "local" };
  const clients = {
    sns: new SNSClient({ region: LOCAL_REGION, endpoint: endpoints.sns, credentials }),
    sqs: new SQSClient({ region: LOCAL_REGION, endpoint: endpoints.sqs, credentials }),
    dynamodb: new DynamoDBClient({ region: LOCAL_REGION, endpoint: endpoints.dynamodb, credentials }),
    kinesis: new KinesisClient({ region: LOCAL_REGION, endpoint: endpoints.kinesis, credentials }),
    secretsmanager: new SecretsManagerClient({ region: LOCAL_REGION, endpoint: endpoints.secretsmanager, credentials }),
  };
  // The event sources' requests are ones AWS makes on the stack's behalf, so they are counted; the
  // deployer's and the local cloud's own looks (is a queue idle?) use the clients above and are not.
  const usage = new UsageLedger();
  const eventSourceClients = {
    sqs: new SQSClient({ region: LOCAL_REGION, endpoint: endpoints.sqs, credentials }),
    kinesis: new KinesisClient({ region: LOCAL_REGION, endpoint: endpoints.kinesis, credentials }),
  };
  for (const client of Object.values(eventSourceClients)) countRequestsOf(client, usage.requests);

  const sink = new RecordingSink();
  const clock = new LocalClock();
  const faults = new ProviderFaults();
  let scheduler: LocalScheduler | undefined;
  let timeToLive: LocalTimeToLive | undefined;
  let outbox: LocalOutbox | undefined;
  const functions = new Map<string, LocalFunction>();
  const sqsSources: SqsEventSource[] = [];
  /** Pauses or resumes a queue's event source, as disabling and enabling its mapping would. */
  const setPolling = (queueUrl: string, polling: boolean) => {
    const source = sqsSources.find((candidate) => candidate.queueUrl === queueUrl);
    if (!source) throw new Error(`no event source reads ${queueUrl}`);
    if (polling) source.resume();
    else source.pause();
  };
  const kinesisSources: KinesisEventSource[] = [];

  async function settled(timeoutMillis = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMillis;
    // Several quiet looks in a row, spanning more than one stream poll, so nothing is between hops.
    for (let quiet = 0; quiet < 4; ) {
      if (Date.now() > deadline) throw new Error(`the local cloud still had work in flight after ${timeoutMillis} ms`);
      const queuesIdle = (await Promise.all(sqsSources.map((source) => source.isIdle()))).every(Boolean);
      const idle =
        queuesIdle && kinesisSources.every((source) => source.isIdle()) && (scheduler?.isIdle() ?? true) && [...functions.values()].every((fn) => !fn.busy);
      quiet = idle ? quiet + 1 : 0;
      await sleep(100);
    }
  }

  const crashWorker = (channel: string, notificationId: string, userId: string) => {
    const inBatch = (event: unknown) => deliveryKeysOf(event, channel).includes(deliveryKey({ notificationId, userId, channel }));
    for (const fn of functions.values()) if (fn.spec.environment.CHANNEL === channel) fn.crashWhere(inBatch);
  };
  /** A channel worker's environment died mid-batch: any of its sends may lack its mark. */
  const recordLost = (channel: string) => (event: unknown, reason: string) => {
    const keys = deliveryKeysOf(event, channel);
    if (keys.length) sink.crashes.push({ keys, at: new Date().toISOString(), reason });
  };
  let feedbackTopicArn: string | undefined;
  const publishFeedback = async (message: string) => {
    if (!feedbackTopicArn) throw new Error("the stack is not deployed yet");
    await clients.sns.send(new PublishCommand({ TopicArn: feedbackTopicArn, Message: message }));
  };
  /**
   * What AWS would have done in the time the clock skipped: the schedules that fell due run first
   * (the sweeper releases what is due), then TTL deletes what has expired. In that order, a jump of
   * weeks does not let TTL take a window that AWS's sweeper would have released days before.
   */
  const afterClockMoved = async () => {
    await scheduler?.dueRunsFinished();
    await timeToLive?.sweep();
  };
  const logSubscriptions = new LogSubscriptions(LOCAL_ACCOUNT);
  const writeLogs = (logGroupName: string, lines: string[]) => logSubscriptions.write(logGroupName, lines, clock.now());
  const streamIteratorAges = () => kinesisSources.map((source) => ({ streamName: source.streamName, iteratorAgeMillis: source.iteratorAgeMillis() }));
  let userLinks: LocalUserLinks | undefined;
  const gateway = new HttpGateway(
    localRoutes({ sink, outbox: () => outbox, clock, afterClockMoved, faults, crashWorker, settled, setPolling, publishFeedback, writeLogs, streamIteratorAges, usage: () => usage.snapshot(), partitions: () => emulators.partitionReport(), environments: () => Object.fromEntries([...functions].map(([name, fn]) => [name, fn.environments])), userLinks: () => userLinks }),
  );
  try {
    await gateway.listen(options.port ?? 4000);
    const { template, stackName } = synthesize(join(stateDir, "cdk.out"), options.context ?? {});
    const stack = await deployTemplate(template, {
      stackName,
      region: LOCAL_REGION,
      account: LOCAL_ACCOUNT,
      assemblyDir: join(stateDir, "cdk.out"),
      apiEndpoint: gateway.url,
      clients,
    });

    feedbackTopicArn = stack.outputs.FeedbackTopicArn;
    timeToLive = new LocalTimeToLive(clients.dynamodb, stack.timeToLive, clock);
    const unsubscribeSecretArn = stack.functions.find((spec) => spec.environment.UNSUBSCRIBE_SECRET_ARN)?.environment.UNSUBSCRIBE_SECRET_ARN;
    if (stack.outputs.UserTokenSecretArn && unsubscribeSecretArn) {
      userLinks = localUserLinks({ secretsManager: clients.secretsmanager, userTokenSecretArn: stack.outputs.UserTokenSecretArn, unsubscribeSecretArn, apiUrl: gateway.url, now: () => clock.now() });
    }
    outbox = new LocalOutbox(sink, DynamoDBDocumentClient.from(clients.dynamodb), stack.outputs.InboxTableName);
    for (const spec of stack.functions) {
      functions.set(
        spec.name,
        new LocalFunction(spec, {
          environment: functionEnvironment(spec, endpoints, `${gateway.url}/_local/sink`),
          logFile: join(logDir, `${spec.logicalId}.log`),
          clock,
          onLost: spec.environment.CHANNEL ? recordLost(spec.environment.CHANNEL) : undefined,
          usage,
          maxEnvironments: environmentsOf(spec),
        }),
      );
    }
    const functionByArn = (arn: string) => {
      const fn = functions.get(arn.split(":").pop()!);
      if (!fn) throw new Error(`no local function for ${arn}`);
      return fn;
    };

    for (const subscription of stack.logSubscriptions) logSubscriptions.subscribe(subscription.logGroupName, functionByArn(subscription.functionArn));

    for (const mapping of stack.eventSourceMappings) {
      const fn = functions.get(mapping.functionName);
      if (!fn) throw new Error(`event source mapping ${mapping.logicalId} targets unknown function ${mapping.functionName}`);
      const reportBatchItemFailures = mapping.functionResponseTypes?.includes("ReportBatchItemFailures") ?? false;
      const queue = stack.queues.find((candidate) => candidate.arn === mapping.eventSourceArn);
      const stream = stack.streams.find((candidate) => candidate.arn === mapping.eventSourceArn);
      if (queue) {
        const source = new SqsEventSource({
          sqs: eventSourceClients.sqs,
          inspector: clients.sqs,
          queueUrl: queue.url,
          queueArn: queue.arn,
          region: LOCAL_REGION,
          function: withInvocationCrashes(fn, faults),
          batchSize: mapping.batchSize,
          batchingWindowSeconds: mapping.maximumBatchingWindowInSeconds,
          reportBatchItemFailures,
          // As Lambda's pollers, never hold more batches than the function can run: a batch waiting
          // for an environment would spend its messages' visibility timeout.
          maximumConcurrency: Math.min(mapping.maximumConcurrency ?? Number.POSITIVE_INFINITY, environmentsOf(fn.spec)),
        });
        sqsSources.push(source);
        source.start();
      } else if (stream) {
        const onFailure = stack.queues.find((candidate) => candidate.arn === mapping.onFailureDestinationArn);
        const source = new KinesisEventSource({
          kinesis: eventSourceClients.kinesis,
          sqs: eventSourceClients.sqs,
          streamName: stream.name,
          streamArn: stream.arn,
          region: LOCAL_REGION,
          function: fn,
          batchSize: mapping.batchSize,
          startingPosition: mapping.startingPosition === "LATEST" ? "LATEST" : "TRIM_HORIZON",
          bisectBatchOnFunctionError: mapping.bisectBatchOnFunctionError ?? false,
          maximumRetryAttempts: mapping.maximumRetryAttempts,
          reportBatchItemFailures,
          onFailureQueueUrl: onFailure?.url,
          replays: { replayBatch: () => faults.drawPerInvocation("replay_batch", STREAM_FAULT_CHANNEL), duplicateRecord: () => faults.drawPerInvocation("duplicate_record", STREAM_FAULT_CHANNEL) },
        });
        kinesisSources.push(source);
        await source.start();
      } else {
        throw new Error(`event source mapping ${mapping.logicalId} reads ${mapping.eventSourceArn}, which the local cloud did not create`);
      }
    }
    scheduler = new LocalScheduler(
      clock,
      // The only scheduled function is the deferred sweeper.
      stack.schedules.map((schedule) => ({ ...schedule, targets: schedule.targetArns.map((arn) => crashingInvocations(functionByArn(arn), faults, "crash_sweep", SWEEP_FAULT_CHANNEL)) })),
    );
    scheduler.start();
    gateway.setRoutes(
      stack.routes.map((route) => ({
        routeKey: route.routeKey,
        function: functionByArn(route.functionArn),
        ...(route.authorizer ? { authorizer: { ...route.authorizer, function: functionByArn(route.authorizer.functionArn) } } : {}),
        ...(route.throttle ? { throttle: route.throttle } : {}),
      })),
      stack.cors,
    );

    return {
      apiUrl: gateway.url,
      endpoints,
      region: LOCAL_REGION,
      outputs: stack.outputs,
      stack,
      stateDir,
      sink,
      clock,
      faults,
      usage,
      partitions: () => emulators.partitionReport(),
      resetPartitionCounts: () => emulators.resetPartitionCounts(),
      onDeliveryEvent(listener) {
        const source = kinesisSources.find((candidate) => candidate.streamName === stack.outputs.DeliveryEventsStreamName);
        if (!source) throw new Error("the delivery-events stream has no reader");
        return source.observe((records) => {
          for (const record of records) listener(JSON.parse(Buffer.from(record.Data ?? new Uint8Array()).toString("utf8")));
        });
      },
      settled,
      setPolling,
      async stop() {
        scheduler?.stop();
        await Promise.all([...sqsSources, ...kinesisSources].map((source) => source.stop()));
        await gateway.close();
        await Promise.all([...functions.values()].map((fn) => fn.stop()));
        for (const client of [...Object.values(clients), ...Object.values(eventSourceClients)]) client.destroy();
        await emulators.stop();
      },
    };
  } catch (error) {
    scheduler?.stop();
    await Promise.all([...sqsSources, ...kinesisSources].map((source) => source.stop()));
    await Promise.all([...functions.values()].map((fn) => fn.stop()));
    await gateway.close().catch(() => undefined);
    await emulators.stop();
    throw error;
  }
}
