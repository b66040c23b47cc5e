import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { jsonBody } from "#functions/ingest/request-body.ts";

const event = (body: string) => ({ body }) as APIGatewayProxyEventV2;

describe("jsonBody", () => {
  it("names the path of a __proto__ key however deep, and scans a body nested 65,000 deep in linear time", () => {
    // The scan copied the path at every level: 20,000 levels took 10 s, 65,000 over two minutes (this test's 5 s limit catches it).
    expect(jsonBody(event(`${"[".repeat(65_000)}${"]".repeat(65_000)}`))).toBeInstanceOf(Array);
    const nested = `${'{"a":'.repeat(3)}{"__proto__":{"email":"x"}}${"}".repeat(3)}`;
    expect(() => jsonBody(event(nested))).toThrow(expect.objectContaining({ code: "invalid_request", issues: [{ path: "a.a.a.__proto__", message: "__proto__ is not an accepted key" }] }));
    expect(() => jsonBody(event(`${'{"a":'.repeat(20_000)}{"__proto__":1}${"}".repeat(20_000)}`))).toThrow("__proto__");
  });
});
