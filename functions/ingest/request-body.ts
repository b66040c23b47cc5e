import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { RequestError } from "#shared/domain/request-error.ts";

/** Well above the largest valid request (100 recipients and 32 KB of data), well below SNS's 256 KB. */
export const MAX_BODY_BYTES = 128 * 1024;

export function jsonBody(event: APIGatewayProxyEventV2): unknown {
  const raw = event.body === undefined ? "" : event.isBase64Encoded ? Buffer.from(event.body, "base64").toString("utf8") : event.body;
  if (Buffer.byteLength(raw) > MAX_BODY_BYTES) {
    throw new RequestError("payload_too_large", `the body is larger than ${MAX_BODY_BYTES} bytes`);
  }
  if (raw.trim() === "") throw new RequestError("invalid_request", "the body is empty; send a JSON object", [{ path: "(body)", message: "required" }]);
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch (error) {
    throw new RequestError("invalid_request", `the body is not valid JSON: ${(error as Error).message}`, [{ path: "(body)", message: "invalid JSON" }]);
  }
  const prototypeKey = pathOfPrototypeKey(body);
  // Valid JSON, but an assignment of it anywhere downstream would replace an object's prototype.
  if (prototypeKey) throw new RequestError("invalid_request", "the body has a key named __proto__, which is not accepted", [{ path: prototypeKey, message: "__proto__ is not an accepted key" }]);
  return body;
}

/**
 * The path of the first key named `__proto__` in a parsed body, or undefined. Iterative, so no
 * nesting exhausts the stack; each entry links to its parent and the path is built only when one
 * is found, so a body nested 65,000 deep is scanned in linear time.
 */
function pathOfPrototypeKey(body: unknown): string | undefined {
  interface Entry {
    value: unknown;
    key?: string;
    parent?: Entry;
  }
  const pending: Entry[] = [{ value: body }];
  while (pending.length > 0) {
    const entry = pending.pop()!;
    if (typeof entry.value !== "object" || entry.value === null) continue;
    for (const [key, child] of Object.entries(entry.value)) {
      if (key === "__proto__") {
        const path = [key];
        for (let at: Entry | undefined = entry; at?.key !== undefined; at = at.parent) path.unshift(at.key);
        return path.join(".");
      }
      pending.push({ value: child, key, parent: entry });
    }
  }
  return undefined;
}
