import type { z } from "zod";
import type { RequestIssue } from "./request-error.ts";

export function toRequestIssues(error: z.ZodError, prefix: string[] = []): RequestIssue[] {
  return error.issues.map((issue) => ({
    path: [...prefix, ...issue.path.map(String)].join(".") || "(body)",
    message: issue.message,
  }));
}
