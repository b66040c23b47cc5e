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
  try {
    return JSON.parse(raw);
  } catch (error) {
    throw new RequestError("invalid_request", `the body is not valid JSON: ${(error as Error).message}`, [{ path: "(body)", message: "invalid JSON" }]);
  }
}
