export type RequestErrorCode = "invalid_request" | "invalid_template" | "unknown_type" | "unknown_channel" | "payload_too_large" | "not_found" | "invalid_token" | "unknown_audience" | "unauthorized" | "conflict";

export interface RequestIssue {
  path: string;
  message: string;
}

/** A caller's mistake: the HTTP edge maps it to a 4xx with this code; nothing has been published. */
export class RequestError extends Error {
  readonly code: RequestErrorCode;
  readonly issues: RequestIssue[] | undefined;

  constructor(code: RequestErrorCode, message: string, issues?: RequestIssue[]) {
    super(message);
    this.name = "RequestError";
    this.code = code;
    this.issues = issues;
  }
}
