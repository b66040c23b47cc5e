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
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}/${request.channel}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ ...request, headers: request.channel === "email" ? emailHeaders(request.content) : undefined }),
        signal: AbortSignal.timeout(this.timeoutMillis),
      });
    } catch (error) {
      throw new TransientProviderError(`http provider: ${(error as Error).name}: ${(error as Error).message}`, { cause: error });
    }
    const text = await response.text();
    if (response.ok) {
      const body = text ? (JSON.parse(text) as { messageId?: string }) : {};
      return { ok: true, providerMessageId: body.messageId ?? "" };
    }
    if (response.status === 408 || response.status === 429 || response.status >= 500) {
      throw new TransientProviderError(`http provider: ${response.status} ${text.slice(0, 200)}`, { throttled: response.status === 429 });
    }
    return { ok: false, reason: `http ${response.status}: ${text.slice(0, 200)}` };
  }
}
