import { describe, expect, inject, it } from "vitest";
import { advanceClockTo, call, deliveries, eventually, localNow, outbox, reachableUser, uniqueId } from "../helpers/local-api.ts";

async function sendDigest(userId: string): Promise<string> {
  const notificationId = uniqueId("digest");
  await call("POST", "/v1/notifications", { notificationId, type: "marketing.weekly_digest", recipients: [{ userId }], channels: ["email"], data: { headline: "Five things" } });
  return notificationId;
}

async function unsubscribeLinkFor(userId: string): Promise<string> {
  await call("PUT", `/v1/users/${userId}/preferences`, reachableUser);
  const notificationId = await sendDigest(userId);
  const [email] = await eventually("the digest email", () => outbox(notificationId), (entries) => entries.length === 1);
  return (email as unknown as { headers: { Name: string; Value: string }[] }).headers.find((header) => header.Name === "List-Unsubscribe")!.Value.slice(1, -1);
}

function oneClick(link: string) {
  return fetch(link, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "List-Unsubscribe=One-Click" });
}

describe("one-click unsubscribe", () => {
  it("puts a signed link without the user id in every marketing email, in the body and in RFC 8058 headers", async () => {
    const userId = uniqueId("reader");
    await call("PUT", `/v1/users/${userId}/preferences`, reachableUser);
    const notificationId = await sendDigest(userId);
    const [email] = (await eventually("the digest email", () => outbox(notificationId), (entries) => entries.length === 1)) as unknown as { headers: { Name: string; Value: string }[]; body: string; html: string }[];

    const listUnsubscribe = email!.headers.find((header) => header.Name === "List-Unsubscribe")!.Value;
    expect(listUnsubscribe).toMatch(new RegExp(`^<${inject("apiUrl")}/v1/unsubscribe\\?token=[A-Za-z0-9_-]+>$`));
    expect(email!.headers).toContainEqual({ Name: "List-Unsubscribe-Post", Value: "List-Unsubscribe=One-Click" });
    expect(email!.body).toContain(listUnsubscribe.slice(1, -1));
    expect(email!.html).toContain("Unsubscribe");
    expect(listUnsubscribe).not.toContain(userId);
  });

  it("unsubscribes the user from marketing with one POST, so the next digest is suppressed", async () => {
    const userId = uniqueId("reader");
    const link = await unsubscribeLinkFor(userId);

    const response = await oneClick(link);
    expect(response.status).toBe(200);
    expect((await call("GET", `/v1/users/${userId}/preferences`)).body).toMatchObject({ unsubscribed: true, email: reachableUser.email });

    const next = await sendDigest(userId);
    const rows = await eventually("the next digest's outcome", () => deliveries(next), (rows) => rows.length === 1);
    expect(rows[0]).toMatchObject({ status: "suppressed", reason: "unsubscribed" });
  });

  it("keeps sending transactional email to an unsubscribed user", async () => {
    const userId = uniqueId("reader");
    await oneClick(await unsubscribeLinkFor(userId));
    const notificationId = uniqueId("order");
    await call("POST", "/v1/notifications", { notificationId, type: "order.shipped", recipients: [{ userId }], channels: ["email"], data: { orderId: "U-1" } });
    const rows = await eventually("the order email", () => deliveries(notificationId), (rows) => rows.length === 1);
    expect(rows[0]!.status).toBe("sent");
  });

  it("shows a confirmation page on GET and changes nothing", async () => {
    const userId = uniqueId("reader");
    const link = await unsubscribeLinkFor(userId);
    const page = await fetch(link);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('method="post"');
    expect((await call("GET", `/v1/users/${userId}/preferences`)).body.unsubscribed).toBeUndefined();
  });

  it("refuses a forged token with 400 and changes nothing", async () => {
    const userId = uniqueId("reader");
    const link = await unsubscribeLinkFor(userId);
    const token = new URL(link).searchParams.get("token")!;
    const forged = `${token.slice(0, 20)}${token[20] === "A" ? "B" : "A"}${token.slice(21)}`;

    const response = await oneClick(link.replace(token, forged));
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: "invalid_token" } });
    expect((await call("GET", `/v1/users/${userId}/preferences`)).body.unsubscribed).toBeUndefined();
  });

  it("refuses an expired token with 400 and changes nothing", async () => {
    const userId = uniqueId("reader");
    const link = await unsubscribeLinkFor(userId);
    await advanceClockTo((await localNow()) + 91 * 24 * 3600 * 1000);

    const response = await oneClick(link);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: "invalid_token", message: expect.stringContaining("expired") } });
    expect((await call("GET", `/v1/users/${userId}/preferences`)).body.unsubscribed).toBeUndefined();
  });
});
