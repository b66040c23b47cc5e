import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

interface StoredSecret {
  arn: string;
  name: string;
  secretString: string;
  versionId: string;
  createdDate: number;
}

/**
 * Secrets Manager's CreateSecret, GetSecretValue and PutSecretValue (rotating a key by hand) over
 * its JSON 1.1 protocol, which is all the stack and its operators use. No emulator on npm covers it, and the functions read their secret through the
 * standard SDK, so this small one stands in on loopback.
 */
export class SecretsManagerEmulator {
  private readonly secrets = new Map<string, StoredSecret>();
  private readonly server: Server;
  private readonly region: string;
  private readonly account: string;

  constructor(region: string, account: string) {
    this.region = region;
    this.account = account;
    this.server = createServer(async (request, response) => {
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      const operation = String(request.headers["x-amz-target"] ?? "").replace("secretsmanager.", "");
      const input = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as Record<string, string>;
      const reply = (status: number, body: unknown) => response.writeHead(status, { "content-type": "application/x-amz-json-1.1" }).end(JSON.stringify(body));
      if (operation === "CreateSecret") {
        const secret = this.create(input.Name!, input.SecretString!);
        return reply(200, { ARN: secret.arn, Name: secret.name, VersionId: secret.versionId });
      }
      const secret = input.SecretId === undefined ? undefined : this.secrets.get(input.SecretId) ?? [...this.secrets.values()].find((candidate) => candidate.name === input.SecretId);
      if ((operation === "GetSecretValue" || operation === "PutSecretValue") && !secret) {
        return reply(400, { __type: "ResourceNotFoundException", message: "Secrets Manager can't find the specified secret." });
      }
      if (operation === "GetSecretValue") {
        return reply(200, { ARN: secret!.arn, Name: secret!.name, SecretString: secret!.secretString, VersionId: secret!.versionId, VersionStages: ["AWSCURRENT"], CreatedDate: secret!.createdDate / 1000 });
      }
      if (operation === "PutSecretValue") {
        Object.assign(secret!, { secretString: input.SecretString!, versionId: randomUUID() });
        return reply(200, { ARN: secret!.arn, Name: secret!.name, VersionId: secret!.versionId, VersionStages: ["AWSCURRENT"] });
      }
      return reply(400, { __type: "UnsupportedOperation", message: `the local cloud does not emulate Secrets Manager ${operation}` });
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", () => resolve()));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private create(name: string, secretString: string): StoredSecret {
    const secret = { arn: `arn:aws:secretsmanager:${this.region}:${this.account}:secret:${name}-${randomUUID().slice(0, 6)}`, name, secretString, versionId: randomUUID(), createdDate: Date.now() };
    this.secrets.set(secret.arn, secret);
    return secret;
  }
}
