import type { Server as HttpServer } from "node:http";
import http2, { type Http2Server } from "node:http2";
import type { AddressInfo } from "node:net";
import { cacheExpressionParses } from "./dynalite-expression-cache.ts";
import { installDynaliteLimits } from "./dynalite-limits.ts";
import { installDynalitePartitionThroughput } from "./dynalite-partition-throughput.ts";
import { installDynalitePatches } from "./dynalite-patches.ts";
import { installFauxqsHooks } from "./fauxqs-hooks.ts";
import { installFauxqsLimits } from "./fauxqs-limits.ts";
import { installKinesaliteLimits } from "./kinesalite-limits.ts";
import { PartitionThroughput, partitionLimits } from "./partition-throughput.ts";

export const LOCAL_REGION = "us-east-1";
/** The account fauxqs writes into every ARN; the deployer uses it too so ARNs line up. */
export const LOCAL_ACCOUNT = "000000000000";

/** The AWS emulators from npm, each served on its own loopback port. */
export type EmulatorKind = "sns-sqs" | "dynamodb" | "kinesis";

export interface EmulatorOptions {
  /** DynamoDB's per-partition limits times this (a tenth lets a test reach them with little traffic). @default 1 */
  partitionThroughputScale?: number;
}

export interface RunningEmulator {
  url: string;
  stop(): Promise<void>;
  /** DynamoDB's: the hottest partition keys per table, and the requests refused for them; reset starts counting again. */
  partitions?: Pick<PartitionThroughput, "report" | "reset">;
}

function listenOnLoopback(server: HttpServer | Http2Server): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
  });
}

function close(server: HttpServer | Http2Server): Promise<void> {
  return new Promise((resolve) => {
    if ("closeAllConnections" in server) server.closeAllConnections();
    server.close(() => resolve());
  });
}

async function startFauxqs(): Promise<RunningEmulator> {
  installFauxqsHooks();
  await installFauxqsLimits();
  const { buildApp } = await import("fauxqs");
  const fauxqs = buildApp({ logger: false, defaultRegion: LOCAL_REGION });
  const url = (await fauxqs.listen({ port: 0, host: "127.0.0.1" })).replace("localhost", "127.0.0.1");
  return { url, stop: () => fauxqs.close() };
}

async function startDynalite(options: EmulatorOptions): Promise<RunningEmulator> {
  installDynalitePatches();
  installDynaliteLimits();
  const throughput = new PartitionThroughput(partitionLimits(options.partitionThroughputScale));
  installDynalitePartitionThroughput(throughput);
  cacheExpressionParses();
  const { default: dynalite } = await import("dynalite");
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  return { url: await listenOnLoopback(server), stop: () => close(server), partitions: throughput };
}

/**
 * The SDK's Kinesis client speaks HTTP/2, as AWS does; kinesalite only serves HTTP/1, so its request
 * handler is mounted on a cleartext HTTP/2 server rather than bending the product's client.
 */
async function startKinesalite(): Promise<RunningEmulator> {
  installKinesaliteLimits();
  const { default: kinesalite } = await import("kinesalite");
  const handler = kinesalite({ createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 100 }).listeners("request")[0] as (...args: unknown[]) => void;
  const server = http2.createServer();
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on("session", (session) => {
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
  });
  server.on("request", handler);
  const url = await listenOnLoopback(server);
  return {
    url,
    async stop() {
      for (const session of sessions) session.destroy();
      await close(server);
    },
  };
}

export function startEmulator(kind: EmulatorKind, options: EmulatorOptions = {}): Promise<RunningEmulator> {
  switch (kind) {
    case "sns-sqs":
      return startFauxqs();
    case "dynamodb":
      return startDynalite(options);
    case "kinesis":
      return startKinesalite();
  }
}
