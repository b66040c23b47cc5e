import type { APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import type { RequestError } from "#shared/domain/request-error.ts";

export function json(statusCode: number, body: unknown): APIGatewayProxyStructuredResultV2 {
  return { statusCode, headers: { "content-type": "application/json" }, body: JSON.stringify(body) };
}

const STATUS_BY_CODE: Record<RequestError["code"], number> = {
  invalid_request: 400,
  invalid_template: 400,
  unknown_type: 400,
  unknown_channel: 400,
  payload_too_large: 413,
  not_found: 404,
  invalid_token: 400,
  unknown_audience: 400,
  unauthorized: 401,
  conflict: 409,
};

export function requestErrorResponse(error: RequestError): APIGatewayProxyStructuredResultV2 {
  return json(STATUS_BY_CODE[error.code], { error: { code: error.code, message: error.message, ...(error.issues ? { issues: error.issues } : {}) } });
}
