import { createUnsubscribeToken, unsubscribeKey } from "../domain/unsubscribe-token.ts";

/** Mints the one-click unsubscribe URL a marketing email carries in its footer and headers. */
export class UnsubscribeLinks {
  private readonly baseUrl: string;
  private readonly secret: () => Promise<string>;
  private readonly now: () => number;

  constructor(baseUrl: string, secret: () => Promise<string>, now: () => number) {
    this.baseUrl = baseUrl;
    this.secret = secret;
    this.now = now;
  }

  async linkFor(userId: string, category: string): Promise<string> {
    const token = createUnsubscribeToken({ userId, category }, unsubscribeKey(await this.secret()), this.now());
    return `${this.baseUrl}?token=${token}`;
  }
}
