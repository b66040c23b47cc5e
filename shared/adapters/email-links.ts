import { createUnsubscribeToken, PREFERENCE_CENTER_CATEGORY, preferenceCenterKey, unsubscribeKey } from "../domain/unsubscribe-token.ts";

export interface EmailLinkTargets {
  /** The one-click unsubscribe route. */
  unsubscribeUrl: string;
  /** The preference center page. */
  preferenceCenterUrl: string;
}

/**
 * Mints the links an email carries in its footer: one-click unsubscribe for marketing, and the
 * preference center for every email. Each is signed for one user, with its own key per purpose.
 */
export class EmailLinks {
  private readonly targets: EmailLinkTargets;
  private readonly secret: () => Promise<string>;
  private readonly now: () => number;

  constructor(targets: EmailLinkTargets, secret: () => Promise<string>, now: () => number) {
    this.targets = targets;
    this.secret = secret;
    this.now = now;
  }

  async unsubscribe(userId: string, category: string): Promise<string> {
    const token = createUnsubscribeToken({ userId, category }, unsubscribeKey(await this.secret()), this.now());
    return `${this.targets.unsubscribeUrl}?token=${token}`;
  }

  async preferenceCenter(userId: string): Promise<string> {
    const token = createUnsubscribeToken({ userId, category: PREFERENCE_CENTER_CATEGORY }, preferenceCenterKey(await this.secret()), this.now());
    return `${this.targets.preferenceCenterUrl}?token=${token}`;
  }
}
