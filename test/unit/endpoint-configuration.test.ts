import { describe, expect, it } from "vitest";
import { PutRecordsCommand } from "@aws-sdk/client-kinesis";
import { PublishCommand } from "@aws-sdk/client-sns";
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { emailRequest, pushRequest, smsRequest } from "../helpers/send-requests.ts";

/**
 * LocalStack sets AWS_ENDPOINT_URL inside its Lambda containers, and the local cloud sets the
 * per-service AWS_ENDPOINT_URL_* variables. Nothing else tells the product where AWS is: these
 * tests prove every client the functions build follows that configuration, with no code change.
 */
const LOCALSTACK = "http://localhost.localstack.cloud:4566";

type SdkClient = { middlewareStack: { add(...args: any[]): unknown } };

/** Makes the client record the URL each request would go to, and stop it there. */
function recordUrls(client: SdkClient): string[] {
  const urls: string[] = [];
  client.middlewareStack.add(
    () => async (args: { request: { protocol: string; hostname: string; port?: number } }) => {
      urls.push(`${args.request.protocol}//${args.request.hostname}${args.request.port ? `:${args.request.port}` : ""}`);
      throw new Error("stopped before sending");
    },
    { step: "finalizeRequest", priority: "low" },
  );
  return urls;
}

async function urlOf(client: SdkClient & { send(command: any): Promise<unknown> }, command: unknown): Promise<string | undefined> {
  const urls = recordUrls(client);
  await client.send(command).catch(() => undefined);
  return urls[0];
}

describe("endpoint configuration", () => {
  it("sends every function's AWS calls to AWS_ENDPOINT_URL when it is set, as in LocalStack's Lambda containers", async () => {
    process.env.AWS_ENDPOINT_URL = LOCALSTACK;
    process.env.AWS_REGION = "us-east-1";
    process.env.AWS_ACCESS_KEY_ID = "test";
    process.env.AWS_SECRET_ACCESS_KEY = "test";
    const { documents, kinesis, sns } = await import("#functions/commons/clients.ts");
    const { providerFromEnv } = await import("#shared/adapters/providers/provider-from-env.ts");

    expect(await urlOf(documents, new GetCommand({ TableName: "t", Key: { id: "1" } }))).toBe(LOCALSTACK);
    expect(await urlOf(kinesis, new PutRecordsCommand({ StreamName: "s", Records: [] }))).toBe(LOCALSTACK);
    expect(await urlOf(sns, new PublishCommand({ TopicArn: "arn:aws:sns:us-east-1:000000000000:t", Message: "m" }))).toBe(LOCALSTACK);

    for (const [channel, env, request] of [
      ["email", { EMAIL_FROM_ADDRESS: "n@example.com" }, emailRequest()],
      ["sms", { SMS_SERVICE: "sns" }, smsRequest()],
      ["sms", {}, smsRequest()],
      ["push", {}, pushRequest()],
    ] as const) {
      // Each provider holds its own client (with its own timeouts); it must follow the same variable.
      const provider = providerFromEnv(channel, { ...env }, documents, Date.now);
      const urls = recordUrls((provider as unknown as { client: SdkClient }).client);
      await provider.send(request).catch(() => undefined);
      expect(urls, `${channel} ${JSON.stringify(env)}`).toEqual([LOCALSTACK]);
    }
  });
});
