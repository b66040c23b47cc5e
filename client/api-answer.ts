import { RequestError, type RequestErrorCode, type RequestIssue } from "#shared/domain/request-error.ts";

interface ErrorAnswer {
  error?: { code?: string; message?: string; issues?: RequestIssue[] };
}

/** The body of a successful answer; a 4xx with an error code becomes the RequestError the API raised. */
export async function answerOf<T>(response: Response, expectedStatus: number): Promise<T> {
  const answer = (await response.json().catch(() => ({}))) as T & ErrorAnswer;
  if (response.status === expectedStatus) return answer;
  if (response.status >= 400 && response.status < 500 && answer.error?.code) throw new RequestError(answer.error.code as RequestErrorCode, answer.error.message ?? "rejected", answer.error.issues);
  throw new Error(`HTTP ${response.status}: ${answer.error?.message ?? "no answer"}`);
}
