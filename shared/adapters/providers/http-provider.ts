import http from "node:http";
import https from "node:https";
import { emailHeaders } from "./email-headers.ts";
import type { ChannelProvider, SendRequest, SendResult } from "./provider.ts";
import { TransientProviderError } from "./provider.ts";

/**
 * Hands each send to an HTTP endpoint: `POST {baseUrl}/{channel}` with the rendered message (and,
 * for email, the headers it would carry) as JSON.
 * 2xx is sent, 408/429/5xx and timeouts are retried, any other 4xx is a permanent rejection. The local
 * cloud points it at its recording sink; in production it fits a relay or a vendor webhook.
 */
export class HttpProvider implements ChannelProvider {
  readonly name = "http";
  private readonly baseUrl: string;
  private readonly timeoutMillis: number;

  constructor(baseUrl: string, timeoutMillis: number) {
    this.baseUrl = baseUrl.replace(/\/+$/, "");
    this.timeoutMillis = timeoutMillis;
  }

  async send(request: SendRequest): Promise<SendResult> {
    let response: { status: number; text: string };
    try {
      response = await this.post(`${this.baseUrl}/${request.channel}`, JSON.stringify({ ...request, headers: request.channel === "email" ? emailHeaders(request.content) : undefined }));
    } catch (error) {
      throw new TransientProviderError(`http provider: ${(error as Error).name}: ${(error as Error).message}`, { cause: error });
    }
    const { status, text } = response;
    if (status >= 200 && status < 300) {
      const body = text ? (JSON.parse(text) as { messageId?: string }) : {};
      return { ok: true, providerMessageId: body.messageId ?? "" };
    }
    if (status === 408 || status === 429 || status >= 500) {
      throw new TransientProviderError(`http provider: ${status} ${text.slice(0, 200)}`, { throttled: status === 429 });
    }
    return { ok: false, reason: `http ${status}: ${text.slice(0, 200)}` };
  }

  /** node:http over kept-alive connections: a fraction of fetch's CPU per request, which a worker makes per send. */
  private post(url: string, body: string): Promise<{ status: number; text: string }> {
    const secure = url.startsWith("https:");
    return new Promise((resolve, reject) => {
      const outgoing = (secure ? https : http).request(
        url,
        { method: "POST", agent: secure ? HTTPS_AGENT : HTTP_AGENT, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) }, signal: AbortSignal.timeout(this.timeoutMillis) },
        (incoming) => {
          const chunks: Buffer[] = [];
          incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
          incoming.on("end", () => resolve({ status: incoming.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }));
          incoming.on("error", reject);
        },
      );
      outgoing.on("error", reject);
      outgoing.end(body);
    });
  }
}

const HTTP_AGENT = new http.Agent({ keepAlive: true });
const HTTPS_AGENT = new https.Agent({ keepAlive: true });
