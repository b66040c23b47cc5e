import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { BrowserContext, Locator, Page } from "playwright-core";
import { mintUserToken } from "#shared/domain/user-token.ts";
import { call, deliveries, eventually, localNow, outbox, settled, uniqueId } from "../helpers/local-api.ts";
import { userTokenSecret } from "../helpers/user-tokens.ts";
import { browserMissing, openBrowser, screenshot } from "../helpers/browser.ts";

async function publishInApp(userId: string, orderId: string): Promise<string> {
  const notificationId = uniqueId(`order-${orderId}`);
  const { status } = await call("POST", "/v1/notifications", { notificationId, type: "order.shipped", recipients: [{ userId }], channels: ["in_app"], data: { orderId } });
  expect(status).toBe(202);
  return notificationId;
}

/** The demo page for a user: <notify-inbox> with a token the local cloud minted for them. */
async function inboxPage(context: BrowserContext, userId: string): Promise<Page> {
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  await page.goto(`${inject("apiUrl")}/_local/demo?user=${encodeURIComponent(userId)}`);
  await page.locator("notify-inbox .bell").waitFor();
  expect(errors).toEqual([]);
  return page;
}

/** How long the page may take to show a change: a poll every 2 s, and a cold authorizer on the first. */
const LIVE = { timeout: 15_000, interval: 100 };

const badge = (page: Page): Locator => page.locator("notify-inbox .badge");
const items = (page: Page): Locator => page.locator("notify-inbox .row");
/** The element focused inside the component, as its class name. */
const focusedInInbox = (page: Page) => page.evaluate(() => {
  const focused = (globalThis as any).document.activeElement;
  return (focused?.shadowRoot?.activeElement?.className ?? focused?.tagName) as string;
});

describe.skipIf(browserMissing)("<notify-inbox> in headless Chromium", () => {
  let browser: Awaited<ReturnType<typeof openBrowser>>;
  beforeAll(async () => {
    browser = await openBrowser();
  });
  afterAll(async () => browser?.close());

  it("shows a new notification's count without a reload", async () => {
    const userId = uniqueId("live");
    const page = await inboxPage(browser.context, userId);
    await expect.poll(() => page.locator("notify-inbox .status").textContent(), LIVE).toBe("You're all caught up.");
    expect(await badge(page).isHidden()).toBe(true);
    await publishInApp(userId, "LIVE-1");
    await badge(page).waitFor({ state: "visible" });
    expect(await badge(page).textContent()).toBe("1");
    await publishInApp(userId, "LIVE-2");
    await expect.poll(() => badge(page).textContent(), LIVE).toBe("2");
    expect(await page.locator("notify-inbox .bell").getAttribute("aria-label")).toBe("Notifications, 2 unread");
    await screenshot(page, "inbox-badge");
  });

  it("asks its tokenProvider for a new token when the API answers 401, and carries on", async () => {
    const userId = uniqueId("expired");
    await publishInApp(userId, "T-1");
    await settled();
    const page = await inboxPage(browser.context, uniqueId("someone-else"));
    const expired = await mintUserToken(userId, await userTokenSecret(), (await localNow()) - 2 * 3600_000, 3600);
    await page.evaluate(
      ({ apiUrl, expired, userId }) => {
        const document = (globalThis as any).document;
        const inbox = document.createElement("notify-inbox");
        inbox.id = "second";
        inbox.setAttribute("api-url", apiUrl);
        inbox.setAttribute("token", expired);
        inbox.tokenProvider = () => fetch(`/_local/token?user=${encodeURIComponent(userId)}`).then((response) => response.text());
        document.body.append(inbox);
      },
      { apiUrl: inject("apiUrl"), expired, userId },
    );
    await expect.poll(() => page.locator("#second .badge").textContent(), LIVE).toBe("1");
  });

  it("reads an item on click (its delivery becomes opened), marks all as read, and archives", async () => {
    const userId = uniqueId("reader");
    const first = await publishInApp(userId, "R-1");
    await publishInApp(userId, "R-2");
    await publishInApp(userId, "R-3");
    await settled();
    const page = await inboxPage(browser.context, userId);
    await expect.poll(() => badge(page).textContent(), LIVE).toBe("3");

    await page.locator("notify-inbox .bell").click();
    expect(await items(page).count()).toBe(3);
    await screenshot(page, "inbox-panel");
    await page.locator("notify-inbox .row", { hasText: "Order R-1" }).locator(".item").click();
    await expect.poll(() => badge(page).textContent(), LIVE).toBe("2");
    expect(await page.locator("notify-inbox .row.unread").count()).toBe(2);
    await eventually("R-1's in_app delivery opened", () => deliveries(first), (rows) => rows[0]?.status === "opened");

    await page.locator("notify-inbox .read-all").click();
    await badge(page).waitFor({ state: "hidden" });
    expect(await page.locator("notify-inbox .row.unread").count()).toBe(0);
    expect((await call("GET", `/v1/users/${userId}/inbox`)).body.unread).toBe(0);

    await page.locator("notify-inbox .row", { hasText: "Order R-2" }).locator(".archive").click();
    await expect.poll(() => items(page).count(), LIVE).toBe(2);
    const archived = (await call("GET", `/v1/users/${userId}/inbox?archived=true`)).body.items;
    expect(archived.map((item: { body: string }) => item.body)).toEqual(["Order R-2 is on its way."]);
    await screenshot(page, "inbox-read-and-archived");
  });

  it("pages through 60 items as the panel scrolls, newest first", async () => {
    const userId = uniqueId("pager");
    for (let batch = 0; batch < 6; batch++) {
      await Promise.all(Array.from({ length: 10 }, (_, index) => publishInApp(userId, `P-${String(batch * 10 + index + 1).padStart(2, "0")}`)));
    }
    await settled();
    const page = await inboxPage(browser.context, userId);
    await expect.poll(() => badge(page).textContent(), LIVE).toBe("60");
    await page.locator("notify-inbox .bell").click();
    expect(await items(page).count()).toBe(20);
    for (let scrolls = 0; scrolls < 20 && (await items(page).count()) < 60; scrolls++) {
      await page.locator("notify-inbox .list").evaluate((list) => list.scrollTo({ top: list.scrollHeight }));
      await page.waitForTimeout(100);
    }
    expect(await items(page).count()).toBe(60);
    // Loading a page keeps the reader where they were (past item 40, with the new page below), not back at the top.
    const { scrollTop, scrollHeight } = await page.locator("notify-inbox .list").evaluate((list) => ({ scrollTop: list.scrollTop, scrollHeight: list.scrollHeight }));
    expect(scrollTop).toBeGreaterThan(scrollHeight / 2);
    const ids = await items(page).evaluateAll((rows) => rows.map((row) => (row as unknown as { dataset: Record<string, string> }).dataset.itemId!));
    expect(new Set(ids).size).toBe(60);
    expect([...ids].sort().reverse()).toEqual(ids);
    await screenshot(page, "inbox-paged-60");
  });

  it("works by keyboard alone: open, move through the items, read one, close", async () => {
    const userId = uniqueId("keys");
    await publishInApp(userId, "K-1");
    await publishInApp(userId, "K-2");
    await publishInApp(userId, "K-3");
    await settled();
    const page = await inboxPage(browser.context, userId);
    await expect.poll(() => badge(page).textContent(), LIVE).toBe("3");

    await page.keyboard.press("Tab");
    expect(await focusedInInbox(page)).toBe("bell");
    await page.keyboard.press("Enter");
    expect(await page.locator("notify-inbox .bell").getAttribute("aria-expanded")).toBe("true");
    expect(await focusedInInbox(page)).toBe("item");
    const focusedText = () => page.evaluate(() => ((globalThis as any).document.activeElement?.shadowRoot?.activeElement?.textContent ?? "") as string);
    expect(await focusedText()).toContain("Order K-3");
    await page.keyboard.press("ArrowDown");
    expect(await focusedText()).toContain("Order K-2");
    await page.keyboard.press("ArrowDown");
    await page.keyboard.press("ArrowDown");
    expect(await focusedText()).toContain("Order K-1");
    await page.keyboard.press("ArrowUp");
    await page.keyboard.press("Enter");
    await expect.poll(() => badge(page).textContent(), LIVE).toBe("2");
    expect(await focusedText()).toContain("Order K-2");
    await screenshot(page, "inbox-keyboard");
    await page.keyboard.press("Escape");
    expect(await page.locator("notify-inbox .panel").isHidden()).toBe(true);
    expect(await focusedInInbox(page)).toBe("bell");
  });
});

describe.skipIf(browserMissing)("the preference center in headless Chromium, JavaScript off", () => {
  let browser: Awaited<ReturnType<typeof openBrowser>>;
  beforeAll(async () => {
    browser = await openBrowser({ javaScriptEnabled: false });
  });
  afterAll(async () => browser?.close());

  it("turns email off for marketing from the email's link, and the next marketing email is suppressed", async () => {
    const userId = uniqueId("prefs");
    await call("PUT", `/v1/users/${userId}/preferences`, { email: "ada@example.com" });
    const receipt = await call("POST", "/v1/notifications", { type: "order.shipped", recipients: [{ userId }], channels: ["email"], data: { orderId: "PC-1" } });
    await settled();
    const [sent] = await outbox(receipt.body.notificationId);
    const link = /Manage notification settings: (\S+)/.exec(sent!.body)![1]!;

    const page = await browser.context.newPage();
    await page.goto(link);
    expect(await page.locator("h1").textContent()).toBe("Notification settings");
    const securityByEmail = page.getByLabel("Security by Email (always on)");
    expect(await securityByEmail.isDisabled()).toBe(true);
    expect(await securityByEmail.isChecked()).toBe(true);
    await page.getByLabel("News and offers by Email").uncheck();
    await page.getByRole("button", { name: "Save" }).click();
    await page.locator("#status").waitFor();
    expect(await page.locator("#status").textContent()).toContain("News and offers by Email: off");
    expect(await page.getByLabel("News and offers by Email").isChecked()).toBe(false);
    await screenshot(page, "preference-center-saved");

    const marketing = await call("POST", "/v1/notifications", { type: "marketing.weekly_digest", recipients: [{ userId }], channels: ["email"], data: { headline: "This week" } });
    await eventually("the marketing email suppressed", () => deliveries(marketing.body.notificationId), (rows) => rows[0]?.status === "suppressed");
    expect((await deliveries(marketing.body.notificationId))[0]).toMatchObject({ channel: "email", status: "suppressed", reason: "category_opt_out" });
  });

  it("says clearly when a link is not one the stack sent", async () => {
    const page = await browser.context.newPage();
    const response = await page.goto(`${inject("apiUrl")}/v1/preferences-center?token=tampered`);
    expect(response?.status()).toBe(400);
    expect(await page.getByRole("alert").textContent()).toContain("This link is incomplete");
    expect(await page.locator("form").count()).toBe(0);
  });
});
