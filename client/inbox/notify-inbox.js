// <notify-inbox>: the in-app inbox for a signed-in user, as one framework-free ES module.
//
//   <script type="module" src=".../inbox.js"></script>
//   <notify-inbox api-url="https://api.example.com" token="<user token>"></notify-inbox>
//
// Attributes: api-url (the stack's ApiUrl), token (from NotifyClient.userToken), poll-interval
// (seconds between checks for news, default 30), max-poll-interval (while nothing changes the wait
// grows by half each time up to this, default 300; opening the panel or the tab checks at once),
// page-size (items per page, default 20).
// Property: tokenProvider, an async function that returns a fresh token; it is called at start when
// there is no token attribute and again whenever the API answers 401 (the token expired).
// Events: `notify-inbox-item` (detail: the item) when a person opens an item, so the page can
// navigate; `notify-inbox-unread` (detail: {unread}) whenever the count changes.
// Theme with CSS custom properties on the element: --notify-accent, --notify-background,
// --notify-foreground, --notify-muted, --notify-border, --notify-badge, --notify-radius,
// --notify-font, --notify-panel-width, --notify-panel-height.

const STYLE = `
  :host { position: relative; display: inline-block; font-family: var(--notify-font, system-ui, sans-serif); color: var(--notify-foreground, #111827); }
  .bell { position: relative; display: inline-flex; align-items: center; justify-content: center; width: 2.5rem; height: 2.5rem; border-radius: 50%; border: 1px solid var(--notify-border, #d1d5db); background: var(--notify-background, #fff); color: inherit; cursor: pointer; }
  .bell:focus-visible, button:focus-visible, .item:focus-visible { outline: 2px solid var(--notify-accent, #2563eb); outline-offset: 2px; }
  .bell svg { width: 1.25rem; height: 1.25rem; }
  .badge { position: absolute; top: -0.25rem; right: -0.25rem; min-width: 1.25rem; height: 1.25rem; padding: 0 0.3rem; box-sizing: border-box; border-radius: 0.625rem; background: var(--notify-badge, #dc2626); color: #fff; font-size: 0.75rem; font-weight: 600; line-height: 1.25rem; text-align: center; }
  .badge[hidden] { display: none; }
  .panel { position: absolute; right: 0; top: calc(100% + 0.5rem); z-index: 1000; width: var(--notify-panel-width, 22rem); max-width: 90vw; border: 1px solid var(--notify-border, #d1d5db); border-radius: var(--notify-radius, 0.75rem); background: var(--notify-background, #fff); box-shadow: 0 10px 30px rgb(0 0 0 / 0.15); overflow: hidden; }
  .panel[hidden] { display: none; }
  header { display: flex; align-items: center; gap: 0.5rem; padding: 0.75rem 1rem; border-bottom: 1px solid var(--notify-border, #e5e7eb); }
  header h2 { flex: 1; margin: 0; font-size: 1rem; }
  header button, .archive, .more { border: 0; background: none; color: var(--notify-accent, #2563eb); font: inherit; font-size: 0.875rem; cursor: pointer; padding: 0.25rem 0.375rem; border-radius: 0.375rem; }
  header button:disabled { color: var(--notify-muted, #6b7280); cursor: default; }
  .list { max-height: var(--notify-panel-height, 24rem); overflow-y: auto; margin: 0; padding: 0; list-style: none; }
  .row { display: flex; align-items: flex-start; border-bottom: 1px solid var(--notify-border, #f3f4f6); }
  .item { flex: 1; display: block; text-align: left; border: 0; background: none; color: inherit; font: inherit; padding: 0.75rem 0.5rem 0.75rem 1rem; cursor: pointer; }
  .row.unread { background: color-mix(in srgb, var(--notify-accent, #2563eb) 8%, transparent); }
  .title { display: block; font-weight: 600; font-size: 0.9375rem; }
  .row.unread .title::before { content: ""; display: inline-block; width: 0.5rem; height: 0.5rem; margin-right: 0.4rem; border-radius: 50%; background: var(--notify-accent, #2563eb); vertical-align: middle; }
  .body { display: block; font-size: 0.875rem; margin-top: 0.125rem; }
  time { display: block; font-size: 0.75rem; color: var(--notify-muted, #6b7280); margin-top: 0.25rem; }
  .archive { color: var(--notify-muted, #6b7280); margin: 0.625rem 0.5rem 0 0; }
  .empty, .status { padding: 1.5rem 1rem; text-align: center; color: var(--notify-muted, #6b7280); font-size: 0.875rem; }
  .sentinel { height: 1px; }
  .visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
`;

const BELL = '<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" aria-hidden="true"><path d="M6 8a6 6 0 0 1 12 0c0 7 3 9 3 9H3s3-2 3-9"/><path d="M10.3 21a1.94 1.94 0 0 0 3.4 0"/></svg>';

const RELATIVE = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });

/** "5 minutes ago", in the reader's language. */
function ago(iso, now) {
  const seconds = Math.round((Date.parse(iso) - now) / 1000);
  const units = [["day", 86400], ["hour", 3600], ["minute", 60]];
  for (const [unit, size] of units) if (Math.abs(seconds) >= size) return RELATIVE.format(Math.round(seconds / size), unit);
  return RELATIVE.format(seconds, "second");
}

export class NotifyInbox extends HTMLElement {
  static get observedAttributes() {
    return ["token", "api-url", "poll-interval"];
  }

  #items = [];
  #unread = 0;
  #nextCursor;
  #etag;
  #pollTimer;
  #loadingMore = false;
  /** Checks in a row that found nothing new: each one waits longer before the next. */
  #unchangedPolls = 0;
  /** Bumped whenever the user or the API changes, so an answer for the one before is dropped. */
  #generation = 0;
  /** A 401 no new token could cure: the session is over, so stop asking. */
  #signedOut = false;
  #token;
  #tokenProvider;
  #started = false;

  constructor() {
    super();
    const root = this.attachShadow({ mode: "open" });
    root.innerHTML = `<style>${STYLE}</style>
      <button class="bell" part="bell" type="button" aria-label="Notifications" aria-haspopup="dialog" aria-expanded="false" aria-controls="panel">${BELL}<span class="badge" part="badge" hidden></span></button>
      <div class="panel" part="panel" id="panel" role="dialog" aria-labelledby="heading" hidden>
        <header><h2 id="heading">Notifications</h2><button type="button" class="read-all" disabled>Mark all as read</button><button type="button" class="close" aria-label="Close notifications">✕</button></header>
        <ul class="list" role="list" aria-labelledby="heading"></ul>
        <div class="status" role="status" hidden></div>
      </div>
      <div class="visually-hidden" aria-live="polite"></div>`;
    this.bell = root.querySelector(".bell");
    this.badge = root.querySelector(".badge");
    this.panel = root.querySelector(".panel");
    this.list = root.querySelector(".list");
    this.status = root.querySelector(".status");
    this.announcer = root.querySelector("[aria-live]");
    this.bell.addEventListener("click", () => (this.open ? this.close() : this.show()));
    root.querySelector(".close").addEventListener("click", () => this.close());
    root.querySelector(".read-all").addEventListener("click", () => this.markAllRead());
    this.panel.addEventListener("keydown", (event) => this.#onKey(event));
    this.list.addEventListener("scroll", () => this.#loadMoreIfNearEnd());
    this.onVisibility = () => (document.visibilityState === "visible" ? this.#pollNow() : undefined);
  }

  /** An async function that returns a fresh token; setting it (after the element started) loads the inbox. */
  get tokenProvider() {
    return this.#tokenProvider;
  }

  set tokenProvider(provider) {
    this.#tokenProvider = provider;
    if (this.#started && !this.#token) this.#refresh();
  }

  get open() {
    return !this.panel.hidden;
  }

  get unread() {
    return this.#unread;
  }

  connectedCallback() {
    // A page may set tokenProvider before this module defined the element: take it over.
    if (Object.hasOwn(this, "tokenProvider")) {
      const provider = this.tokenProvider;
      delete this.tokenProvider;
      this.tokenProvider = provider;
    }
    document.addEventListener("visibilitychange", this.onVisibility);
    this.#start();
  }

  disconnectedCallback() {
    document.removeEventListener("visibilitychange", this.onVisibility);
    clearTimeout(this.#pollTimer);
    this.#started = false;
  }

  attributeChangedCallback(name) {
    if (name === "token") this.#token = this.getAttribute("token") ?? undefined;
    if (!this.isConnected || name === "poll-interval") return;
    if (!this.#started) this.#start();
    else this.#refresh();
  }

  /** Opens the panel and moves focus into it. */
  show() {
    this.panel.hidden = false;
    this.bell.setAttribute("aria-expanded", "true");
    (this.list.querySelector(".item") ?? this.panel.querySelector(".close")).focus();
    this.#loadMoreIfNearEnd();
    if (this.#unchangedPolls > 0) this.#pollNow();
  }

  /** Closes the panel and gives focus back to the bell. */
  close() {
    this.panel.hidden = true;
    this.bell.setAttribute("aria-expanded", "false");
    this.bell.focus();
  }

  async markAllRead() {
    const answer = await this.#quietly(() => this.#call("POST", "/v1/me/inbox/read-all"));
    if (!answer?.ok) return;
    // Read-all reads at most 1,000 a call: the rest on the next.
    if (answer.body?.more) await this.markAllRead();
    const readAt = new Date().toISOString();
    this.#items = this.#items.map((item) => (item.read ? item : { ...item, read: true, readAt }));
    this.#setUnread(0);
    this.#render();
  }

  /** Loads the inbox once it has an API URL and a way to authenticate; until then it waits. */
  async #start() {
    if (this.#started || !this.getAttribute("api-url")) return;
    this.#started = true;
    this.#token = this.getAttribute("token") ?? undefined;
    if (this.#token || this.#tokenProvider) await this.#refresh();
  }

  async #refresh() {
    this.#generation += 1;
    this.#signedOut = false;
    this.#etag = undefined;
    this.#items = [];
    this.#nextCursor = undefined;
    await this.#poll();
  }

  /** Someone is looking: check now, and at the short interval again. */
  #pollNow() {
    this.#unchangedPolls = 0;
    this.#poll();
  }

  /**
   * Checks for news: an unchanged inbox costs one small 304, and the next check waits half as long
   * again, up to max-poll-interval, so an inbox left open in a background tab costs little.
   */
  async #poll() {
    clearTimeout(this.#pollTimer);
    const generation = this.#generation;
    try {
      const answer = await this.#call("GET", `/v1/me/inbox?limit=${this.#pageSize}`, this.#etag ? { "if-none-match": this.#etag } : {});
      if (generation !== this.#generation) return;
      if (answer.status === 200) {
        this.#etag = answer.headers.get("etag") ?? undefined;
        this.#unchangedPolls = 0;
        this.#mergeFirstPage(answer.body);
      } else if (answer.status === 304) {
        this.#unchangedPolls += 1;
      }
    } catch (error) {
      this.#showStatus("Notifications are unavailable right now.");
    } finally {
      const wait = Math.min(this.#pollSeconds * 1.5 ** this.#unchangedPolls, this.#maxPollSeconds);
      const current = generation === this.#generation;
      if (current && !this.#signedOut && this.isConnected && document.visibilityState !== "hidden") this.#pollTimer = setTimeout(() => this.#poll(), wait * 1000);
    }
  }

  /**
   * The newest page replaces what was shown of it; older pages already loaded stay below, unless
   * more arrived than a page holds: then the gap cannot be bridged, and paging starts again from it.
   */
  #mergeFirstPage(page) {
    const known = new Set(this.#items.map((item) => item.itemId));
    const fresh = page.items.filter((item) => !known.has(item.itemId));
    const oldestOnPage = page.items.at(-1)?.itemId;
    const firstLoad = this.#items.length === 0;
    const gap = !firstLoad && fresh.length === page.items.length && page.nextCursor !== undefined;
    const older = oldestOnPage && !gap ? this.#items.filter((item) => item.itemId < oldestOnPage) : [];
    this.#items = [...page.items, ...older];
    if (firstLoad || gap) this.#nextCursor = page.nextCursor;
    if (!firstLoad && fresh.length) this.announcer.textContent = `${fresh.length} new notification${fresh.length === 1 ? "" : "s"}`;
    this.#setUnread(page.unread);
    this.#render();
  }

  async #loadMoreIfNearEnd() {
    if (!this.open || this.#loadingMore || !this.#nextCursor) return;
    if (this.list.scrollTop + this.list.clientHeight < this.list.scrollHeight - 48) return;
    this.#loadingMore = true;
    const generation = this.#generation;
    try {
      const answer = await this.#quietly(() => this.#call("GET", `/v1/me/inbox?limit=${this.#pageSize}&cursor=${encodeURIComponent(this.#nextCursor)}`));
      if (answer?.status !== 200 || generation !== this.#generation) return;
      const known = new Set(this.#items.map((item) => item.itemId));
      this.#items.push(...answer.body.items.filter((item) => !known.has(item.itemId)));
      this.#nextCursor = answer.body.nextCursor;
      this.#render();
    } finally {
      this.#loadingMore = false;
    }
    // A short page may leave the list unscrollable: keep filling it.
    this.#loadMoreIfNearEnd();
  }

  async #read(item) {
    this.dispatchEvent(new CustomEvent("notify-inbox-item", { detail: item, bubbles: true, composed: true }));
    if (item.read) return;
    const answer = await this.#quietly(() => this.#call("POST", `/v1/me/inbox/${encodeURIComponent(item.itemId)}/read`));
    if (!answer?.ok) return;
    this.#replace(answer.body);
    this.#setUnread(Math.max(0, this.#unread - 1));
    this.#render(item.itemId);
  }

  async #archive(item) {
    const answer = await this.#quietly(() => this.#call("POST", `/v1/me/inbox/${encodeURIComponent(item.itemId)}/archive`));
    if (!answer?.ok) return;
    const index = this.#items.findIndex((candidate) => candidate.itemId === item.itemId);
    this.#items = this.#items.filter((candidate) => candidate.itemId !== item.itemId);
    if (!item.read) this.#setUnread(Math.max(0, this.#unread - 1));
    this.announcer.textContent = `Archived ${item.title}`;
    this.#render(this.#items[Math.min(index, this.#items.length - 1)]?.itemId);
  }

  #replace(updated) {
    this.#items = this.#items.map((item) => (item.itemId === updated.itemId ? updated : item));
  }

  #setUnread(unread) {
    if (unread === this.#unread && this.badge.hidden === (unread === 0)) return;
    this.#unread = unread;
    this.badge.hidden = unread === 0;
    this.badge.textContent = unread > 99 ? "99+" : String(unread);
    this.bell.setAttribute("aria-label", unread ? `Notifications, ${unread} unread` : "Notifications");
    this.shadowRoot.querySelector(".read-all").disabled = unread === 0;
    this.dispatchEvent(new CustomEvent("notify-inbox-unread", { detail: { unread }, bubbles: true, composed: true }));
  }

  /** Draws the list; `focusItemId` keeps keyboard focus on an item across the redraw. */
  #render(focusItemId) {
    const hadFocus = this.shadowRoot.activeElement?.closest?.(".row")?.dataset.itemId;
    const scrollTop = this.list.scrollTop;
    const now = Date.now();
    this.list.replaceChildren(
      ...this.#items.map((item) => {
        const row = document.createElement("li");
        row.className = item.read ? "row" : "row unread";
        row.dataset.itemId = item.itemId;
        const open = document.createElement("button");
        open.type = "button";
        open.className = "item";
        open.tabIndex = -1;
        open.setAttribute("aria-label", `${item.read ? "" : "Unread: "}${item.title}. ${item.body}. ${ago(item.createdAt, now)}`);
        const title = Object.assign(document.createElement("span"), { className: "title", textContent: item.title });
        const body = Object.assign(document.createElement("span"), { className: "body", textContent: item.body });
        const time = Object.assign(document.createElement("time"), { dateTime: item.createdAt, textContent: ago(item.createdAt, now) });
        open.append(title, body, time);
        open.addEventListener("click", () => this.#read(item));
        const archive = document.createElement("button");
        archive.type = "button";
        archive.className = "archive";
        archive.textContent = "Archive";
        archive.tabIndex = -1;
        archive.setAttribute("aria-label", `Archive ${item.title}`);
        archive.addEventListener("click", () => this.#archive(item));
        row.append(open, archive);
        return row;
      }),
    );
    this.list.scrollTop = scrollTop;
    const items = [...this.list.querySelectorAll(".item")];
    if (items.length) items[0].tabIndex = 0;
    this.#showStatus(this.#items.length ? "" : "You're all caught up.");
    const target = focusItemId ?? hadFocus;
    const focused = target && this.list.querySelector(`.row[data-item-id="${CSS.escape(target)}"] .item`);
    if (focused) {
      items.forEach((item) => (item.tabIndex = -1));
      focused.tabIndex = 0;
      if (this.open) focused.focus({ preventScroll: true });
    }
  }

  #showStatus(text) {
    this.status.hidden = !text;
    this.status.textContent = text;
  }

  /** Arrow keys move through the items (and onto their Archive button), Escape closes. */
  #onKey(event) {
    if (event.key === "Escape") {
      event.preventDefault();
      this.close();
      return;
    }
    const items = [...this.list.querySelectorAll(".item")];
    const active = this.shadowRoot.activeElement;
    const index = items.indexOf(active?.classList.contains("archive") ? active.previousElementSibling : active);
    let next;
    if (event.key === "ArrowDown") next = items[Math.min(index + 1, items.length - 1)];
    else if (event.key === "ArrowUp") next = items[Math.max(index - 1, 0)];
    else if (event.key === "Home") next = items[0];
    else if (event.key === "End") next = items.at(-1);
    else if (event.key === "ArrowRight" && index >= 0) next = items[index].nextElementSibling;
    else if (event.key === "ArrowLeft" && active?.classList.contains("archive")) next = active.previousElementSibling;
    if (!next) return;
    event.preventDefault();
    items.forEach((item) => (item.tabIndex = -1));
    (next.classList.contains("item") ? next : next.previousElementSibling).tabIndex = 0;
    next.focus();
    if (next === items.at(-1)) this.#loadMoreIfNearEnd();
  }

  get #pageSize() {
    return Math.min(100, Math.max(1, Number(this.getAttribute("page-size")) || 20));
  }

  get #pollSeconds() {
    return Math.max(1, Number(this.getAttribute("poll-interval")) || 30);
  }

  get #maxPollSeconds() {
    return Math.max(this.#pollSeconds, Number(this.getAttribute("max-poll-interval")) || 300);
  }

  /** A click's call: a network failure is shown, not thrown at the page. */
  async #quietly(call) {
    try {
      return await call();
    } catch {
      this.#showStatus("Notifications are unavailable right now.");
      return undefined;
    }
  }

  /** One API call with the user's token; a 401 fetches a new token once, when there is a provider. */
  async #call(method, path, headers = {}, retried = false) {
    if (!this.#token && this.#tokenProvider) this.#token = await this.#tokenProvider();
    const response = await fetch(new URL(path, this.getAttribute("api-url")), { method, headers: { authorization: `Bearer ${this.#token ?? ""}`, ...headers }, cache: "no-store" });
    if (response.status === 401 && this.#tokenProvider && !retried) {
      this.#token = await this.#tokenProvider();
      return this.#call(method, path, headers, true);
    }
    if (response.status === 401) {
      this.#signedOut = true;
      this.#showStatus("Your session has ended. Sign in again to see your notifications.");
    }
    const body = response.status === 200 ? await response.json() : undefined;
    return { ok: response.ok, status: response.status, headers: response.headers, body };
  }
}

if (!customElements.get("notify-inbox")) customElements.define("notify-inbox", NotifyInbox);
