import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { withOnePassBatchParser } from "#infra/local/fauxqs-hooks.ts";
import { parseBatchEntries } from "#infra/local/sns-batch-entries.ts";

const PUBLISH_MODULE = fileURLToPath(new URL("../../../node_modules/fauxqs/dist/sns/actions/publish.js", import.meta.url));
const publishSource = readFileSync(PUBLISH_MODULE, "utf8");

/** fauxqs's own parser, lifted out of its module, to compare against. */
function fauxqsParser(): (params: Record<string, string>) => unknown {
  const start = publishSource.indexOf("function parseBatchEntries(params) {");
  const end = publishSource.indexOf("\nfunction ", start + 1);
  return new Function(`${publishSource.slice(start, end)}\nreturn parseBatchEntries;`)();
}

function entry(index: number, fields: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(fields).map(([field, value]) => [`PublishBatchRequestEntries.member.${index}.${field}`, value]));
}

function attribute(index: number, name: string, dataType: string, stringValue?: string): Record<string, string> {
  const prefix = `MessageAttributes.entry.${index}`;
  return { [`${prefix}.Name`]: name, [`${prefix}.Value.DataType`]: dataType, ...(stringValue === undefined ? {} : { [`${prefix}.Value.StringValue`]: stringValue }) };
}

const params: Record<string, string> = {
  Action: "PublishBatch",
  TopicArn: "arn:aws:sns:us-east-1:000000000000:notifications",
  ...entry(1, { Id: "m0", Message: '{"userId":"ada"}', ...attribute(1, "kind", "String", "broadcast"), ...attribute(2, "channels", "String.Array", '["in_app"]') }),
  ...entry(2, { Id: "m1", Message: "second", Subject: "hello", MessageGroupId: "g", MessageDeduplicationId: "d", ...attribute(2, "type", "String", "order.shipped"), ...attribute(1, "priority", "String", "high") }),
  ...entry(3, { Id: "m2", ...attribute(1, "kind", "String", "direct") }),
  ...entry(10, { Id: "m9", Message: "tenth", ...attribute(1, "incomplete", "String", undefined), "MessageAttributes.entry.2.Name": "typeless" }),
};

describe("fauxqs PublishBatch entries parsed in one pass", () => {
  it("gives the same entries as fauxqs's own parser: ids, bodies, FIFO fields, attributes, entries without a message left out", () => {
    expect(parseBatchEntries(params)).toEqual(fauxqsParser()(params));
    expect(parseBatchEntries(params).map((parsed) => parsed.id)).toEqual(["m0", "m1", "m9"]);
    expect(parseBatchEntries(params)[1]).toEqual({
      id: "m1",
      message: "second",
      subject: "hello",
      messageGroupId: "g",
      messageDeduplicationId: "d",
      messageAttributes: { type: { DataType: "String", StringValue: "order.shipped" }, priority: { DataType: "String", StringValue: "high" } },
    });
  });

  it("is put in place of the installed fauxqs's parser, and refuses a module that no longer has it", () => {
    const patched = withOnePassBatchParser(publishSource);
    expect(patched).toContain("return parseBatchEntriesInOnePass(params);");
    expect(patched.match(/function parseBatchEntries\(params\)/g)).toHaveLength(1);
    expect(() => withOnePassBatchParser("export function publishBatch() {}")).toThrow(/no longer declares/);
  });
});
