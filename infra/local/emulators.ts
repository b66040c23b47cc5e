import { once } from "node:events";
import { Worker } from "node:worker_threads";
import { LOCAL_ACCOUNT, LOCAL_REGION, type EmulatorKind, type EmulatorOptions, type RunningEmulator } from "./emulator-servers.ts";
import type { EmulatorThreadRequest } from "./emulator-thread.ts";
import type { PartitionReport } from "./partition-throughput.ts";
import { SecretsManagerEmulator } from "./secrets-manager-emulator.ts";

export { LOCAL_ACCOUNT, LOCAL_REGION };

export interface EmulatorEndpoints {
  sns: string;
  sqs: string;
  dynamodb: string;
  kinesis: string;
  secretsmanager: string;
}

export interface Emulators {
  endpoints: EmulatorEndpoints;
  /** DynamoDB's hottest partition keys per table since the start or the last reset, and the requests refused for them. */
  partitionReport(): Promise<PartitionReport>;
  resetPartitionCounts(): Promise<void>;
  stop(): Promise<void>;
}

interface ThreadedEmulator extends Omit<RunningEmulator, "partitions"> {
  /** Asks the emulator's thread and waits for its answer. */
  ask(type: "partition-report" | "partition-reset"): Promise<PartitionReport | undefined>;
}

const THREAD_ENTRY = new URL("./emulator-thread.ts", import.meta.url);

async function startInThread(kind: EmulatorKind, options: EmulatorOptions): Promise<ThreadedEmulator> {
  const worker = new Worker(THREAD_ENTRY, { workerData: { kind, options } });
  const [answer] = (await once(worker, "message")) as [{ url?: string; error?: string }];
  if (!answer.url) {
    await worker.terminate();
    throw new Error(`the ${kind} emulator did not start: ${answer.error}`);
  }
  let asked = 0;
  return {
    url: answer.url,
    ask(type) {
      const id = ++asked;
      const reply = new Promise<PartitionReport | undefined>((resolve) => {
        const onMessage = (message: { id?: number; report?: PartitionReport }) => {
          if (message.id !== id) return;
          worker.off("message", onMessage);
          resolve(message.report);
        };
        worker.on("message", onMessage);
      });
      worker.postMessage({ type, id } satisfies EmulatorThreadRequest);
      return reply;
    },
    async stop() {
      worker.postMessage({ type: "stop" } satisfies EmulatorThreadRequest);
      await once(worker, "exit");
    },
  };
}

/**
 * fauxqs (SNS + SQS), dynalite (DynamoDB) and kinesalite (Kinesis), each in a thread of its own on a
 * free loopback port, and our Secrets Manager, which serves a handful of reads, on this one.
 */
export async function startEmulators(options: EmulatorOptions = {}): Promise<Emulators> {
  const started = await Promise.allSettled((["sns-sqs", "dynamodb", "kinesis"] as const).map((kind) => startInThread(kind, options)));
  const running = started.flatMap((result) => (result.status === "fulfilled" ? [result.value] : []));
  const failure = started.find((result) => result.status === "rejected");
  if (failure) {
    await Promise.all(running.map((emulator) => emulator.stop()));
    throw failure.reason;
  }
  const [snsSqs, dynamodb, kinesis] = running as [ThreadedEmulator, ThreadedEmulator, ThreadedEmulator];
  const secrets = new SecretsManagerEmulator(LOCAL_REGION, LOCAL_ACCOUNT);
  const secretsUrl = await secrets.listen();

  return {
    endpoints: { sns: snsSqs.url, sqs: snsSqs.url, dynamodb: dynamodb.url, kinesis: kinesis.url, secretsmanager: secretsUrl },
    partitionReport: async () => (await dynamodb.ask("partition-report"))!,
    resetPartitionCounts: async () => void (await dynamodb.ask("partition-reset")),
    async stop() {
      await Promise.all([...running.map((emulator) => emulator.stop()), secrets.close()]);
    },
  };
}
