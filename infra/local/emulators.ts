import { once } from "node:events";
import { Worker } from "node:worker_threads";
import { LOCAL_ACCOUNT, LOCAL_REGION, type EmulatorKind, type RunningEmulator } from "./emulator-servers.ts";
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
  stop(): Promise<void>;
}

const THREAD_ENTRY = new URL("./emulator-thread.ts", import.meta.url);

async function startInThread(kind: EmulatorKind): Promise<RunningEmulator> {
  const worker = new Worker(THREAD_ENTRY, { workerData: { kind } });
  const [answer] = (await once(worker, "message")) as [{ url?: string; error?: string }];
  if (!answer.url) {
    await worker.terminate();
    throw new Error(`the ${kind} emulator did not start: ${answer.error}`);
  }
  return {
    url: answer.url,
    async stop() {
      worker.postMessage("stop");
      await once(worker, "exit");
    },
  };
}

/**
 * fauxqs (SNS + SQS), dynalite (DynamoDB) and kinesalite (Kinesis), each in a thread of its own on a
 * free loopback port, and our Secrets Manager, which serves a handful of reads, on this one.
 */
export async function startEmulators(): Promise<Emulators> {
  const started = await Promise.allSettled((["sns-sqs", "dynamodb", "kinesis"] as const).map(startInThread));
  const running = started.flatMap((result) => (result.status === "fulfilled" ? [result.value] : []));
  const failure = started.find((result) => result.status === "rejected");
  if (failure) {
    await Promise.all(running.map((emulator) => emulator.stop()));
    throw failure.reason;
  }
  const [snsSqs, dynamodb, kinesis] = running as [RunningEmulator, RunningEmulator, RunningEmulator];
  const secrets = new SecretsManagerEmulator(LOCAL_REGION, LOCAL_ACCOUNT);
  const secretsUrl = await secrets.listen();

  return {
    endpoints: { sns: snsSqs.url, sqs: snsSqs.url, dynamodb: dynamodb.url, kinesis: kinesis.url, secretsmanager: secretsUrl },
    async stop() {
      await Promise.all([...running.map((emulator) => emulator.stop()), secrets.close()]);
    },
  };
}
