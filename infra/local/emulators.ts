import type { Server as HttpServer } from "node:http";
import http2, { type Http2Server } from "node:http2";
import type { AddressInfo } from "node:net";
import dynalite from "dynalite";
import kinesalite from "kinesalite";
import { installFauxqsHooks } from "./fauxqs-hooks.ts";
import { SecretsManagerEmulator } from "./secrets-manager-emulator.ts";

export const LOCAL_REGION = "us-east-1";
/** The account fauxqs writes into every ARN; the deployer uses it too so ARNs line up. */
export const LOCAL_ACCOUNT = "000000000000";

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

/** fauxqs (SNS + SQS), dynalite (DynamoDB), kinesalite (Kinesis) and our Secrets Manager, each on a free loopback port. */
export async function startEmulators(): Promise<Emulators> {
  installFauxqsHooks();
  const { buildApp } = await import("fauxqs");
  const fauxqs = buildApp({ logger: false, defaultRegion: LOCAL_REGION });
  const fauxqsUrl = (await fauxqs.listen({ port: 0, host: "127.0.0.1" })).replace("localhost", "127.0.0.1");

  const dynamo = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const dynamoUrl = await listenOnLoopback(dynamo);

  // The SDK's Kinesis client speaks HTTP/2, as AWS does; kinesalite only serves HTTP/1, so its
  // request handler is mounted on a cleartext HTTP/2 server rather than bending the product's client.
  const kinesisHandler = kinesalite({ createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 100 }).listeners("request")[0] as (...args: unknown[]) => void;
  const kinesis = http2.createServer();
  const kinesisSessions = new Set<http2.ServerHttp2Session>();
  kinesis.on("session", (session) => {
    kinesisSessions.add(session);
    session.once("close", () => kinesisSessions.delete(session));
  });
  kinesis.on("request", kinesisHandler);
  const kinesisUrl = await listenOnLoopback(kinesis);

  const secrets = new SecretsManagerEmulator(LOCAL_REGION, LOCAL_ACCOUNT);
  const secretsUrl = await secrets.listen();

  return {
    endpoints: { sns: fauxqsUrl, sqs: fauxqsUrl, dynamodb: dynamoUrl, kinesis: kinesisUrl, secretsmanager: secretsUrl },
    async stop() {
      for (const session of kinesisSessions) session.destroy();
      await Promise.all([fauxqs.close(), close(dynamo), close(kinesis), secrets.close()]);
    },
  };
}
