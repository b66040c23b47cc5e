import { describe, expect, it } from "vitest";
import { withPreferenceCenterLink } from "#shared/domain/templates/email-footer.ts";

describe("the preference center link in every email", () => {
  const url = "https://api.example.com/v1/preferences-center?token=a&b";

  it("goes before the end of the body, with the URL escaped", () => {
    const content = withPreferenceCenterLink({ subject: "s", html: "<html><body><p>Hi</p></body></html>", text: "Hi" }, url, "en-GB");
    expect(content.html).toBe('<html><body><p>Hi</p><p style="font-size:12px;color:#6b7280;margin-top:24px"><a href="https://api.example.com/v1/preferences-center?token=a&amp;b">Manage notification settings</a></p></body></html>');
    expect(content.text).toBe(`Hi\n\n--\nManage notification settings: ${url}`);
  });

  it("is appended to HTML that has no body element", () => {
    expect(withPreferenceCenterLink({ subject: "s", html: "<p>Hi</p>", text: "Hi" }, url, undefined).html).toMatch(/^<p>Hi<\/p><p .*Manage notification settings<\/a><\/p>$/);
  });

  it("speaks the reader's language where it can", () => {
    expect(withPreferenceCenterLink({ subject: "s", html: "", text: "Olá" }, url, "pt-BR").text).toBe(`Olá\n\n--\nGerenciar configurações de notificação: ${url}`);
    expect(withPreferenceCenterLink({ subject: "s", html: "", text: "Olá" }, url, "pt").text).toContain("Gerir definições de notificação");
    expect(withPreferenceCenterLink({ subject: "s", html: "", text: "Hej" }, url, "sv").text).toContain("Manage notification settings");
  });
});
