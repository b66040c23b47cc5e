import { describe, expect, it, vi } from "vitest";
import { dataIssues } from "#shared/domain/templates/data-schema.ts";
import { findTemplate } from "#shared/domain/templates/registry.ts";
import { PREVIEW_PREFERENCE_CENTER_URL, PREVIEW_UNSUBSCRIBE_URL, previewTemplate } from "#shared/domain/templates/preview.ts";
import { withPreferenceCenterLink } from "#shared/domain/templates/email-footer.ts";
import { renderContent } from "#shared/domain/templates/render.ts";
import type { TemplateDefinition } from "#shared/domain/templates/template-definition.ts";
import type { TemplateDocument } from "#shared/domain/templates/template-document.ts";
import { templateProblems } from "#shared/domain/templates/template-problems.ts";
import { assignVariant } from "#shared/domain/templates/variant-assignment.ts";

const valid: TemplateDocument = {
  category: "transactional",
  channels: ["email", "push"],
  dataSchema: { type: "object", properties: { name: { type: "string", minLength: 1 } }, required: ["name"], examples: [{ name: "Ada" }] },
  locales: {
    en: { email: { subject: "Hi {{name}}", html: "<p>Hi {{name}}</p>", text: "Hi {{name}}" }, push: { title: "Hi", body: "Hi {{name}}" } },
    pt: { push: { title: "Olá", body: "Olá {{name}}" } },
  },
};
const withLocales = (locales: TemplateDocument["locales"]): TemplateDocument => ({ ...valid, locales: { ...valid.locales, ...locales } });

describe("template definitions as data", () => {
  it("accepts a sound definition, and every built-in template", () => {
    expect(templateProblems("team.welcome", valid)).toEqual([]);
    for (const type of ["order.shipped", "security.login_alert", "marketing.weekly_digest", "social.comment_liked", "social.new_follower"]) {
      const { type: _type, version: _version, ...document } = findTemplate(type)!;
      expect(templateProblems(type, document), type).toEqual([]);
    }
  });

  it("names the locale, channel, part, line and column of a broken Handlebars expression", () => {
    expect(templateProblems("team.welcome", withLocales({ pt: { push: { title: "Olá", body: "Olá\n  {{name" } } }))).toEqual([
      { path: "locales.pt.push.body", message: expect.stringMatching(/^line 2, column 3: Expecting 'ID'.*got 'INVALID'$/) },
    ]);
    expect(templateProblems("team.welcome", withLocales({ pt: { push: { title: "{{#if name}}Olá{{/each}}", body: "x" } } }))).toEqual([
      { path: "locales.pt.push.title", message: "line 1, column 4: if doesn't match each" },
    ]);
  });

  it("refuses helpers that do not exist, which would fail only when rendered", () => {
    expect(templateProblems("team.welcome", withLocales({ pt: { push: { title: "{{shout name}}", body: "x" } } }))).toEqual([
      { path: "locales.pt.push.title", message: expect.stringContaining("unknown helper shout") },
    ]);
  });

  it("refuses data output without HTML escaping in an email's html ({{{x}}}, {{& x}}), but not the stack's own unsubscribe link", () => {
    const html = (source: string) => templateProblems("team.welcome", withLocales({ en: { ...valid.locales.en, email: { subject: "Hi", html: source, text: "Hi {{name}}" } } }));
    expect(html("<p>{{{name}}}</p>\n{{#if name}}<b>{{& name}}</b>{{/if}}")).toEqual([
      { path: "locales.en.email.html", message: "line 1, column 4: {{{name}}} outputs data without HTML escaping; use {{name}}" },
      { path: "locales.en.email.html", message: "line 2, column 16: {{{name}}} outputs data without HTML escaping; use {{name}}" },
    ]);
    expect(html('<a href="{{{unsubscribeUrl}}}">x</a> {{name}}')).toEqual([]);
    // Inside each/with the name is the item's field, which data supplies.
    expect(html("{{#each name}}{{{unsubscribeUrl}}}{{/each}}")).toEqual([{ path: "locales.en.email.html", message: "line 1, column 15: {{{unsubscribeUrl}}} outputs data without HTML escaping; use {{unsubscribeUrl}}" }]);
    expect(templateProblems("team.welcome", withLocales({ en: { ...valid.locales.en, push: { title: "{{{name}}}", body: "x" } } }))).toEqual([]);
  });

  it("refuses partials, decorators and built-in blocks with the wrong parameters, which would fail only when rendered", () => {
    const part = (source: string) => templateProblems("team.welcome", withLocales({ en: { ...valid.locales.en, push: { title: source, body: "x" } } })).map(({ message }) => message);
    expect(part("{{> footer}}")).toEqual(["line 1, column 1: partials are not supported: a template is one part"]);
    expect(part("{{#> layout}}x{{/layout}}")).toEqual(["line 1, column 1: partials are not supported: a template is one part"]);
    expect(part("{{#if}}x{{/if}} {{#each}}{{/each}} {{#with a b}}{{/with}}")).toEqual([
      "line 1, column 1: #if takes exactly 1 parameter",
      "line 1, column 17: #each takes exactly 1 parameter",
      "line 1, column 36: #with takes exactly 1 parameter",
    ]);
    expect(part("{{#if name}}{{#each name}}{{this}}{{/each}}{{/if}}")).toEqual([]);
    expect(part("{{if name}} {{each name}} {{lookup name}} {{eq (lookup this) 1}}")).toEqual([
      "line 1, column 1: if is a block: write {{#if x}}…{{/if}}",
      "line 1, column 13: each is a block: write {{#each x}}…{{/each}}",
      "line 1, column 27: lookup takes exactly 2 parameters",
      "line 1, column 48: lookup takes exactly 2 parameters",
    ]);
    expect(part("{{lookup this 'name'}} {{#with name}}{{this}}{{/with}}")).toEqual([]);
  });

  it("refuses {{log}}, which would write the data (addresses, names) to the logs, and renders a stored one as nothing", () => {
    expect(templateProblems("team.welcome", withLocales({ pt: { push: { title: "{{log name}}Oi", body: "x" } } }))).toEqual([
      { path: "locales.pt.push.title", message: expect.stringContaining("unknown helper log") },
    ]);
    const stored = withLocales({ en: { ...valid.locales.en, push: { title: "Hi{{log name level='error'}}", body: "{{log 'data' this}}Hi {{name}}" } } });
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    const logs = [vi.spyOn(console, "log"), vi.spyOn(console, "info"), logged];
    expect(renderContent({ ...stored, type: "team.welcome", version: 3 }, "push", { name: "ada@example.com" })).toEqual({ title: "Hi", body: "Hi ada@example.com" });
    for (const log of logs) expect(log).not.toHaveBeenCalled();
    for (const log of logs) log.mockRestore();
  });

  it("refuses a marketing email that does not link {{unsubscribeUrl}} in html and text", () => {
    const marketing = { ...valid, category: "marketing" as const };
    expect(templateProblems("team.news", marketing)).toEqual([
      { path: "locales.en.email.html", message: "a marketing email must link {{unsubscribeUrl}}" },
      { path: "locales.en.email.text", message: "a marketing email must link {{unsubscribeUrl}}" },
    ]);
    const linked = withLocales({ en: { ...valid.locales.en, email: { subject: "News", html: '<a href="{{ unsubscribeUrl }}">stop</a>', text: "Stop: {{{unsubscribeUrl}}}" } } });
    expect(templateProblems("team.news", { ...linked, category: "marketing" })).toEqual([]);
  });

  it("needs content in the default locale for every channel it lists", () => {
    expect(templateProblems("team.welcome", { ...valid, channels: ["email", "push", "sms"] })).toEqual([{ path: "locales.en.sms", message: "sms is listed in channels but has no en content" }]);
    expect(templateProblems("team.welcome", { ...valid, locales: { pt: valid.locales.pt! } })).toContainEqual({ path: "locales", message: "must have the default locale en" });
  });

  it("refuses a data schema that is not valid JSON Schema of an object, or whose example does not fit it", () => {
    expect(templateProblems("team.welcome", { ...valid, dataSchema: { type: "object", properties: { name: { type: "strin" } } } })[0]).toMatchObject({ path: "dataSchema.properties.name.type" });
    expect(templateProblems("team.welcome", { ...valid, dataSchema: { type: "string" } })).toEqual([{ path: "dataSchema.type", message: expect.stringContaining('must be "object"') }]);
    expect(templateProblems("team.welcome", { ...valid, dataSchema: { type: "object", propertees: {} } })).toEqual([{ path: "dataSchema", message: expect.stringContaining('unknown keyword: "propertees"') }]);
    expect(templateProblems("team.welcome", { ...valid, dataSchema: { ...valid.dataSchema, examples: [{ name: "" }] } })).toEqual([{ path: "dataSchema.examples.0.name", message: "must NOT have fewer than 1 characters" }]);
  });

  it("names what is wrong with the shape and the type", () => {
    expect(templateProblems("Team Welcome", valid)).toEqual([{ path: "type", message: expect.stringContaining("dotted lowercase") }]);
    expect(templateProblems("team.welcome", { ...valid, channels: ["fax"] })).toEqual([{ path: "channels.0", message: expect.any(String) }]);
    expect(templateProblems("team.welcome", { ...valid, locales: { en: { push: { title: "x" } } } })).toEqual([{ path: "locales.en.push.body", message: expect.any(String) }]);
  });

  it("checks digest and throttle keys against the data schema's fields", () => {
    expect(templateProblems("team.welcome", { ...valid, digest: { windowMinutes: 5, key: "postId" } })).toEqual([{ path: "digest", message: "digest key postId is not a field of the template's data" }]);
    expect(templateProblems("team.welcome", { ...valid, throttle: { max: 2, perMinutes: 10, key: "name" } })).toEqual([]);
  });

  it("refuses variants named twice or with content for a channel the template does not send on", () => {
    const variants = [
      { name: "short", weight: 1, locales: { en: { push: { title: "Hey", body: "{{name}}!" } } } },
      { name: "short", weight: 1, locales: { en: { sms: { body: "x" } } } },
    ];
    expect(templateProblems("team.welcome", { ...valid, variants })).toEqual([
      { path: "variants.1.name", message: "short is named twice" },
      { path: "variants.1.locales.en.sms", message: "the template is not sent on sms" },
    ]);
  });
});

describe("data checked against the data schema at publish", () => {
  it("names each field that does not fit, missing and extra ones included", () => {
    const schema = { ...valid.dataSchema, additionalProperties: false };
    expect(dataIssues("team.welcome@1", schema, { name: "Ada" })).toEqual([]);
    expect(dataIssues("team.welcome@2", schema, { nick: "A" })).toEqual([
      { path: "data.name", message: "must have required property 'name'" },
      { path: "data.nick", message: "must NOT have additional properties" },
    ]);
    expect(dataIssues("order.shipped@1", findTemplate("order.shipped")!.dataSchema, { orderId: "A-1", trackingUrl: "javascript:alert(1)" })[0]).toMatchObject({ path: "data.trackingUrl" });
  });
});

describe("variants", () => {
  const variants = [
    { name: "a", weight: 1 },
    { name: "b", weight: 1 },
  ];

  it("gives a recipient of a notification the same variant every time", () => {
    expect(assignVariant(variants, "n-1", "ada")).toBe(assignVariant(variants, "n-1", "ada"));
    expect(assignVariant(undefined, "n-1", "ada")).toBeUndefined();
  });

  it("splits by weight", () => {
    const counts = { a: 0, b: 0, c: 0 };
    const weighted = [...variants, { name: "c", weight: 2 }];
    for (let user = 0; user < 4_000; user++) counts[assignVariant(weighted, "n-1", `user-${user}`) as keyof typeof counts]++;
    expect(counts.a / 4_000).toBeGreaterThan(0.22);
    expect(counts.a / 4_000).toBeLessThan(0.28);
    expect(counts.c / 4_000).toBeGreaterThan(0.47);
    expect(counts.c / 4_000).toBeLessThan(0.53);
  });

  it("renders a variant's content where it has some, and the template's own elsewhere", () => {
    const template: TemplateDefinition = { ...valid, type: "team.welcome", version: 3, variants: [{ name: "short", weight: 1, locales: { en: { push: { title: "Hey", body: "{{name}}!" } } } }, { name: "plain", weight: 1, locales: {} }] };
    expect(renderContent(template, "push", { name: "Ada" }, { variant: "short" })).toEqual({ title: "Hey", body: "Ada!" });
    expect(renderContent(template, "push", { name: "Ada" }, { variant: "plain" })).toEqual({ title: "Hi", body: "Hi Ada" });
    // A Portuguese reader keeps the translated base rather than the English variant.
    expect(renderContent(template, "push", { name: "Ada" }, { variant: "short", locale: "pt" })).toEqual({ title: "Olá", body: "Olá Ada" });
    expect(renderContent(template, "email", { name: "Ada" }, { variant: "short" })).toMatchObject({ subject: "Hi Ada" });
  });
});

describe("previews", () => {
  it("renders each channel as the workers would, and warns of a fallback locale, a cut push and a multi-part SMS", () => {
    const template: TemplateDefinition = {
      ...valid,
      type: "team.welcome",
      version: 2,
      channels: ["email", "push", "sms"],
      locales: { ...valid.locales, en: { ...valid.locales.en, sms: { body: "{{name}} ".repeat(30) } } },
    };
    const preview = previewTemplate(template, { data: { name: "Ada Lovelace" }, locale: "es" });
    // The English content gets the English footer, with the placeholder for the reader's own link.
    expect(preview.channels.email).toEqual(withPreferenceCenterLink({ subject: "Hi Ada Lovelace", html: "<p>Hi Ada Lovelace</p>", text: "Hi Ada Lovelace" }, PREVIEW_PREFERENCE_CENTER_URL, "en"));
    expect((preview.channels.email as { text: string }).text).toContain("Manage notification settings: https://preferences.example/preview");
    expect(preview.channels.sms).toMatchObject({ encoding: "GSM-7", segments: 3 });
    expect(preview.warnings).toEqual([
      "email has no es content: it falls back to en",
      "push has no es content: it falls back to en",
      "sms has no es content: it falls back to en",
      "the SMS is 3 GSM-7 segments, each billed as a message",
    ]);
    const long = previewTemplate(template, { data: { name: "x".repeat(300) }, locale: "pt", channels: ["push"] });
    expect(long.channels.push).toMatchObject({ title: "Olá", truncated: true });
    expect(long.warnings).toEqual(["the push is cut to 65 characters of title and 240 of body"]);
  });

  it("says when a marketing email's link is a placeholder and when a variant does not exist", () => {
    const { type: _type, version: _version, ...weekly } = findTemplate("marketing.weekly_digest")!;
    const preview = previewTemplate({ ...weekly, type: "marketing.weekly_digest", version: 1 }, { data: { headline: "News" }, variant: "bold", channels: ["email"] });
    expect(JSON.stringify(preview.channels.email)).toContain(PREVIEW_UNSUBSCRIBE_URL);
    expect(preview.warnings).toEqual([
      "version 1 has no variant bold: the template's own content is shown",
      `the email's unsubscribe link is a placeholder (${PREVIEW_UNSUBSCRIBE_URL}); each recipient gets their own`,
    ]);
  });
});
