/** `<notify-inbox>`: the in-app inbox web component (see notify-inbox.js for attributes and events). */
export declare class NotifyInbox extends HTMLElement {
  /** Returns a fresh user token; called at start without a `token` attribute, and again on 401. */
  tokenProvider: (() => Promise<string>) | undefined;
  readonly open: boolean;
  readonly unread: number;
  show(): void;
  close(): void;
  markAllRead(): Promise<void>;
}

declare global {
  interface HTMLElementTagNameMap {
    "notify-inbox": NotifyInbox;
  }
}
