import { describe, expect, it } from "vitest";
import { allTemplates, findTemplate } from "#shared/templates/registry.ts";
import { renderContent } from "#shared/templates/render.ts";

function template(type: string) {
  const found = findTemplate(type);
  if (!found) throw new Error(`no template ${type}`);
  return found;
}

describe("template registry", () => {
  it.each([
    ["order.shipped", "transactional", ["email", "sms", "push", "in_app"]],
    ["security.login_alert", "security", ["email", "sms", "push"]],
    ["marketing.weekly_digest", "marketing", ["email", "push"]],
  ])("ships %s as %s on %j", (type, category, channels) => {
    expect(template(type).category).toBe(category);
    expect(template(type).channels).toEqual(channels);
  });

  it("renders every template on every channel it declares, with sample data", () => {
    const samples: Record<string, Record<string, unknown>> = {
      "order.shipped": { orderId: "A-1", carrier: "UPS", trackingUrl: "https://track.example/A-1" },
      "security.login_alert": { device: "Firefox on Linux", location: "Lisbon" },
      "marketing.weekly_digest": { headline: "Five things" },
    };
    for (const definition of allTemplates()) {
      for (const channel of definition.channels) {
        const rendered = Object.values(renderContent(definition, channel, samples[definition.type] ?? {}));
        expect(rendered.every((part) => part.length > 0), `${definition.type}/${channel}`).toBe(true);
        expect(rendered.join(" "), `${definition.type}/${channel}`).not.toMatch(/\{\{|\}\}/);
      }
    }
  });
});

describe("renderContent", () => {
  it("escapes HTML in the email's HTML part", () => {
    const rendered = renderContent(template("order.shipped"), "email", { orderId: "<script>alert(1)</script>" });
    expect(rendered).toMatchObject({ html: expect.stringContaining("&lt;script&gt;") });
    expect(JSON.stringify(rendered)).not.toContain("<script>alert(1)</script></strong>");
  });

  it("keeps parameters as typed in plain-text parts", () => {
    const rendered = renderContent(template("order.shipped"), "sms", { orderId: "A&B" });
    expect(rendered).toEqual({ body: "Order A&B has shipped." });
  });

  it("leaves optional sections out when their parameter is absent", () => {
    const rendered = renderContent(template("order.shipped"), "push", { orderId: "A-1" });
    expect(rendered).toEqual({ title: "Order shipped", body: "Order A-1 is on its way." });
  });
});
