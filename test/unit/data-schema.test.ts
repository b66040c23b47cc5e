import { describe, expect, it } from "vitest";
import { dataIssues, dataSchemaProblems } from "#shared/domain/templates/data-schema.ts";

const named = (extra: Record<string, unknown> = {}) => ({ type: "object", properties: { name: { type: "string" } }, required: ["name"], ...extra });

describe("template data schemas", () => {
  it("reads the dialect its $schema names, and draft-07 when it names none", () => {
    const tuple2020 = named({ $schema: "https://json-schema.org/draft/2020-12/schema", properties: { name: { type: "string" }, pair: { type: "array", prefixItems: [{ type: "string" }, { type: "number" }], minItems: 2, items: false } } });
    expect(dataSchemaProblems(tuple2020)).toEqual([]);
    expect(dataIssues("t.2020@1", tuple2020, { name: "Ada", pair: ["a", 1, 2] })).toEqual([{ path: "data.pair", message: "must NOT have more than 2 items" }]);
    expect(dataSchemaProblems(named({ $schema: "https://json-schema.org/draft/2019-09/schema", dependentRequired: { name: ["id"] } }))).toEqual([]);
    expect(dataSchemaProblems(named({ $schema: "http://json-schema.org/draft-07/schema#" }))).toEqual([]);
    expect(dataSchemaProblems(named())).toEqual([]);
  });

  it("refuses a dialect it cannot read, naming $schema", () => {
    for (const dialect of ["http://json-schema.org/draft-04/schema#", "https://example.com/mine", 7]) {
      expect(dataSchemaProblems(named({ $schema: dialect }))).toEqual([{ path: "dataSchema.$schema", message: expect.stringContaining("2020-12") }]);
    }
  });

  it("compiles each schema on its own, so one $id shared by two types or versions cannot collide", () => {
    const first = named({ $id: "https://example.com/order" });
    const second = { $id: "https://example.com/order", type: "object", properties: { count: { type: "integer" } }, required: ["count"] };
    expect(dataSchemaProblems(first)).toEqual([]);
    expect(dataSchemaProblems(second)).toEqual([]);
    expect(dataSchemaProblems(first)).toEqual([]);
    expect(dataIssues("shared.id@1", first, { name: "Ada" })).toEqual([]);
    expect(dataIssues("shared.id@2", second, { count: 3 })).toEqual([]);
    expect(dataIssues("shared.id@1", first, {})).toEqual([{ path: "data.name", message: "must have required property 'name'" }]);
    expect(dataIssues("shared.id@2", second, { count: "x" })).toEqual([{ path: "data.count", message: "must be integer" }]);
  });

  it("matches patterns in linear time: a catastrophic pattern answers at once, whatever the value's length", () => {
    const schema = named({ properties: { name: { type: "string", pattern: "^(a+)+$" } } });
    expect(dataSchemaProblems(schema)).toEqual([]);
    // A backtracking engine takes about 2^n steps here: 40 characters would be minutes.
    for (const length of [40, 100_000]) {
      expect(dataIssues("catastrophic@1", schema, { name: `${"a".repeat(length)}!` })).toEqual([{ path: "data.name", message: 'must match pattern "^(a+)+$"' }]);
    }
    expect(dataIssues("catastrophic@1", schema, { name: "aaaa" })).toEqual([]);
  });

  it("tells a schema's patterns apart (ajv keys them by their text)", () => {
    const schema = named({ patternProperties: { "^x-": { type: "string" }, "^n-": { type: "number" } } });
    expect(dataIssues("two.patterns@1", schema, { name: "a", "x-one": "s", "n-two": 2 })).toEqual([]);
    expect(dataIssues("two.patterns@1", schema, { name: "a", "x-one": 1, "n-two": "s" }).map(({ path }) => path)).toEqual(["data.x-one", "data.n-two"]);
  });

  it("answers a publish of a version stored with a pattern RE2 cannot run as the template's problem, not a fault", () => {
    const stored = named({ properties: { name: { type: "string", pattern: "^(?=.*\\d).{8,}$" } } });
    expect(() => dataIssues("stored.before@1", stored, { name: "abc12345" })).toThrow(expect.objectContaining({ code: "invalid_template", issues: [{ path: "dataSchema", message: expect.stringContaining("linear time") }] }));
  });

  it("refuses at PUT a pattern that needs backtracking (lookaround, backreferences), naming the pattern", () => {
    for (const pattern of ["^(?=a)b", "(a)\\1", "(?<!a)b"]) {
      expect(dataSchemaProblems(named({ properties: { name: { type: "string", pattern } } }))).toEqual([{ path: "dataSchema", message: expect.stringContaining("cannot be matched in linear time") }]);
    }
  });
});
