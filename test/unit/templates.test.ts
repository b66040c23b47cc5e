import { describe, expect, it } from "vitest";
import { allTemplates, findTemplate } from "#shared/domain/templates/registry.ts";
import { MAX_RENDERED_PART_BYTES, PUSH_BODY_LIMIT, PUSH_TITLE_LIMIT, RenderError, renderContent, resolveContent } from "#shared/domain/templates/render.ts";
import { smsEncoding } from "#shared/domain/templates/sms-segments.ts";
import { sampleDataOf } from "#shared/domain/templates/template-definition.ts";

function template(type: string) {
  const found = findTemplate(type);
  if (!found) throw new Error(`no template ${type}`);
  return found;
}

const UNSUBSCRIBE = "https://api.example/v1/unsubscribe?token=t";

describe("shipped templates", () => {
  it.each([
    ["order.shipped", "transactional", ["email", "sms", "push", "in_app"]],
    ["security.login_alert", "security", ["email", "sms", "push"]],
    ["marketing.weekly_digest", "marketing", ["email", "push"]],
    ["social.comment_liked", "transactional", ["push", "in_app"]],
    ["social.new_follower", "transactional", ["push", "in_app"]],
  ])("ships %s as %s on %j", (type, category, channels) => {
    expect(template(type).category).toBe(category);
    expect(template(type).channels).toEqual(channels);
  });

  const everyRendering = allTemplates().flatMap((definition) =>
    Object.keys(definition.locales).flatMap((locale) => definition.channels.map((channel) => [`${definition.type} ${locale} ${channel}`, definition, locale, channel] as const)),
  );

  it.each(everyRendering)("renders %s with its sample data", (_name, definition, locale, channel) => {
    const rendered = renderContent(definition, channel, sampleDataOf(definition), { locale, unsubscribeUrl: UNSUBSCRIBE });
    const text = Object.values(rendered).filter((part) => typeof part === "string") as string[];
    expect(text.every((part) => part.length > 0)).toBe(true);
    expect(text.join(" ")).not.toMatch(/\{\{|\}\}/);
    if ("segments" in rendered) expect(rendered.segments).toBe(smsEncoding(rendered.body).segments);
    if (channel === "push" && "title" in rendered) {
      expect(Array.from(rendered.title).length).toBeLessThanOrEqual(PUSH_TITLE_LIMIT);
      expect(Array.from(rendered.body).length).toBeLessThanOrEqual(PUSH_BODY_LIMIT);
    }
    if (channel === "email" && definition.category === "marketing") expect(JSON.stringify(rendered)).toContain(UNSUBSCRIBE);
  });

  it("keeps every English SMS within one 160-character GSM-7 message with sample data", () => {
    for (const definition of allTemplates().filter((candidate) => candidate.channels.includes("sms"))) {
      const rendered = renderContent(definition, "sms", sampleDataOf(definition));
      expect(rendered, definition.type).toMatchObject({ encoding: "GSM-7", segments: 1 });
    }
  });
});

describe("social.comment_liked, a digest", () => {
  const liked = template("social.comment_liked");
  const digestOf = (count: number) => ({ postId: "post-7", commentId: "c-42", likerName: "Ada", digest: { count, items: [], firstAt: "2026-12-04T10:00:00.000Z", lastAt: "2026-12-04T10:04:00.000Z" } });

  it("groups likes per post for five minutes, on push and in-app, in every locale the others have", () => {
    expect(liked.digest).toEqual({ windowMinutes: 5, key: "postId", maxItems: 50 });
    expect(Object.keys(liked.locales).sort()).toEqual(Object.keys(template("order.shipped").locales).sort());
  });

  it.each([
    [1, "en", "Ada liked your comment"],
    [2, "en", "Ada and 1 other liked your comment"],
    [3, "en", "Ada and 2 others liked your comment"],
    [100, "pt", "Ada e mais 99 pessoas curtiram seu comentário"],
    [3, "es", "A Ada y a 2 personas más les gustó tu comentario"],
  ])("reads a digest of %i in %s as %j", (count, locale, body) => {
    expect(renderContent(liked, "push", digestOf(count), { locale })).toMatchObject({ body });
    expect(renderContent(liked, "in_app", digestOf(count), { locale })).toMatchObject({ body });
  });
});

describe("locale fallback", () => {
  it.each([
    ["pt-BR", "pt"],
    ["pt", "pt"],
    ["es-MX", "es"],
    ["fr", "en"],
    [undefined, "en"],
  ])("renders %s with the %s content", (requested, used) => {
    expect(resolveContent(template("order.shipped"), "email", requested).locale).toBe(used);
  });

  it("renders Portuguese for a pt-BR user", () => {
    expect(renderContent(template("order.shipped"), "push", { orderId: "A-1" }, { locale: "pt-BR" })).toEqual({ title: "Encomenda enviada", body: "A encomenda A-1 está a caminho." });
  });
});

describe("renderContent", () => {
  it("escapes HTML in the email's HTML part", () => {
    const rendered = renderContent(template("order.shipped"), "email", { orderId: "<script>alert(1)</script>" });
    expect(rendered).toMatchObject({ html: expect.stringContaining("&lt;script&gt;alert(1)&lt;/script&gt;") });
    expect((rendered as { html: string }).html).not.toContain("<script>");
  });

  it("keeps parameters as typed in plain-text parts", () => {
    expect(renderContent(template("order.shipped"), "sms", { orderId: "A&B" })).toMatchObject({ body: "Order A&B has shipped." });
  });

  it("leaves optional sections out when their parameter is absent", () => {
    expect(renderContent(template("order.shipped"), "push", { orderId: "A-1" })).toEqual({ title: "Order shipped", body: "Order A-1 is on its way." });
  });

  it("flags an SMS that no longer fits one message as multi-part", () => {
    const rendered = renderContent(template("order.shipped"), "sms", { orderId: "A-1", trackingUrl: `https://track.example/${"x".repeat(150)}` });
    expect(rendered).toMatchObject({ encoding: "GSM-7", segments: 2 });
  });

  it("cuts a push body at the platform limit with an ellipsis", () => {
    const rendered = renderContent(template("marketing.weekly_digest"), "push", { headline: "word ".repeat(100) }) as { body: string };
    expect(Array.from(rendered.body).length).toBeLessThanOrEqual(PUSH_BODY_LIMIT);
    expect(rendered.body.endsWith("…")).toBe(true);
  });

  it("refuses to render a marketing email without an unsubscribe link", () => {
    expect(() => renderContent(template("marketing.weekly_digest"), "email", {})).toThrow(/unsubscribe/);
  });
});

describe("smsEncoding", () => {
  it.each([
    ["plain ASCII", "Hello", { encoding: "GSM-7", length: 5, segments: 1 }],
    ["160 GSM-7 characters in one message", "a".repeat(160), { encoding: "GSM-7", length: 160, segments: 1 }],
    ["161 GSM-7 characters in two parts of 153", "a".repeat(161), { encoding: "GSM-7", length: 161, segments: 2 }],
    ["extension characters counted twice", "€[]", { encoding: "GSM-7", length: 6, segments: 1 }],
    ["a character outside GSM-7 switching to UCS-2", "ação", { encoding: "UCS-2", length: 4, segments: 1 }],
    ["71 UCS-2 units in two parts of 67", "ã".repeat(71), { encoding: "UCS-2", length: 71, segments: 2 }],
  ])("counts %s", (_name, text, expected) => {
    expect(smsEncoding(text)).toEqual(expected);
  });
});

describe("header injection through template data", () => {
  it("keeps an email subject on one line whatever line breaks or control characters the data carries", () => {
    const rendered = renderContent(template("order.shipped"), "email", { orderId: "A-1\r\nBcc: evil@example.org\u2028X-Evil:\u00001" });
    expect(rendered).toMatchObject({ subject: "Your order A-1 Bcc: evil@example.org X-Evil: 1 has shipped" });
    expect((rendered as { subject: string }).subject).not.toMatch(/[\r\n\u0000-\u001f\u2028]/);
  });
});

describe("render limits", () => {
  it("refuses a part that renders past 128 KiB (counted as JSON), naming it, instead of building a message nothing can carry", () => {
    const stored = { ...template("order.shipped"), version: 9001 };
    const repeated = { ...stored, locales: { en: { ...stored.locales.en, in_app: { title: "Order", body: "{{orderId}}".repeat(2000) } } } };
    expect(() => renderContent(repeated, "in_app", { orderId: "x".repeat(30_000) })).toThrow(RenderError);
    expect(() => renderContent(repeated, "in_app", { orderId: "x".repeat(30_000) })).toThrow("en.in_app.body cannot be rendered: it renders to more than 128 KiB");
    // Control characters are counted as JSON escapes them (\u0001 is six bytes).
    const once = { ...stored, version: 9002, locales: { en: { ...stored.locales.en, in_app: { title: "Order", body: "{{orderId}}" } } } };
    expect(() => renderContent(once, "in_app", { orderId: "\u0001".repeat(Math.ceil(MAX_RENDERED_PART_BYTES / 6) + 1) })).toThrow(RenderError);
    expect(renderContent(once, "in_app", { orderId: "x".repeat(MAX_RENDERED_PART_BYTES - 10) })).toMatchObject({ title: "Order" });
  });
});
