import { describe, expect, it } from "vitest";
import { call, deliveries, eventually, outbox, reachableUser, settled, uniqueId } from "../helpers/local-api.ts";

async function outcomes(type: string, preferences: Record<string, unknown>, data: Record<string, unknown> = {}) {
  const userId = uniqueId("user");
  const notificationId = uniqueId("n");
  await call("PUT", `/v1/users/${userId}/preferences`, preferences);
  const accepted = await call("POST", "/v1/notifications", { notificationId, type, recipients: [{ userId }], data });
  const expected = accepted.body.channels.length;
  const rows = await eventually(`${expected} outcomes`, () => deliveries(notificationId), (rows) => rows.length === expected);
  return { notificationId, byChannel: Object.fromEntries(rows.map((row) => [row.channel, row.reason ? `${row.status}:${row.reason}` : row.status])) };
}

describe("preference rules through the API", () => {
  it("suppresses an opted-out category on every channel", async () => {
    const { byChannel } = await outcomes("marketing.weekly_digest", { ...reachableUser, categories: { marketing: false } });
    expect(byChannel).toEqual({ email: "suppressed:category_opt_out", push: "suppressed:category_opt_out" });
  });

  it("suppresses a category opted out on one channel only there", async () => {
    const { byChannel } = await outcomes("order.shipped", { ...reachableUser, categories: { transactional: { push: false } } }, { orderId: "1" });
    expect(byChannel).toEqual({ email: "sent", sms: "sent", push: "suppressed:category_opt_out", in_app: "sent" });
  });

  it("suppresses marketing to a globally unsubscribed user", async () => {
    const { byChannel } = await outcomes("marketing.weekly_digest", { ...reachableUser, unsubscribed: true });
    expect(byChannel).toEqual({ email: "suppressed:unsubscribed", push: "suppressed:unsubscribed" });
  });

  it("sends a security alert through category opt-outs and unsubscribe", async () => {
    const { byChannel } = await outcomes("security.login_alert", { ...reachableUser, unsubscribed: true, categories: { security: false } }, { device: "Firefox" });
    expect(byChannel).toEqual({ email: "sent", sms: "sent", push: "sent" });
  });

  it("suppresses a security alert where the user has no address", async () => {
    const { byChannel } = await outcomes("security.login_alert", { email: "ada@example.com" });
    expect(byChannel).toEqual({ email: "sent", sms: "suppressed:no_address", push: "suppressed:no_address" });
  });

  it("renders a pt-BR user's email from the Portuguese template", async () => {
    const { notificationId } = await outcomes("order.shipped", { ...reachableUser, locale: "pt-BR" }, { orderId: "B-7", carrier: "CTT" });
    await settled();
    const email = (await outbox(notificationId)).find((entry) => entry.channel === "email");
    expect(email).toMatchObject({ subject: "A sua encomenda B-7 foi enviada" });
    // The footer links the reader's preference center, in the language the content was found in (pt).
    expect(email!.body).toMatch(/^Boas notícias: a sua encomenda B-7 está a caminho com a CTT\.\n\n--\nGerir definições de notificação: http:\/\/\S+\/v1\/preferences-center\?token=[\w-]+$/);
  });
});
