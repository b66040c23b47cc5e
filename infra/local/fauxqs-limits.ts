import { AWS_LIMITS } from "#shared/adapters/aws-limits.ts";
import { parseBatchEntries } from "./sns-batch-entries.ts";

/** The fauxqs version these checks were written against; its routers' `register` is what they wrap. */
const FAUXQS_VERSION = "2.4.1";

type Handler = (...args: unknown[]) => unknown;
interface Router {
  prototype: { register(action: string, handler: Handler): void };
}
type ErrorClass = new (code: string, message: string, statusCode?: number, senderFault?: boolean) => Error;

interface SqsEntry {
  DelaySeconds?: number;
}

/** The limits fauxqs does not check, as AWS answers them: null when the request is within them. */
export function sqsLimitProblem(action: string, body: { DelaySeconds?: number; Entries?: SqsEntry[] }): { code: string; message: string } | null {
  const delays = action === "SendMessage" ? [body.DelaySeconds] : action === "SendMessageBatch" ? (body.Entries ?? []).map((entry) => entry.DelaySeconds) : [];
  const bad = delays.find((delay) => delay !== undefined && (delay < 0 || delay > AWS_LIMITS.sqs.maxDelaySeconds));
  if (bad === undefined) return null;
  return { code: "InvalidParameterValue", message: `Value ${bad} for parameter DelaySeconds is invalid. Reason: DelaySeconds must be >= 0 and <= ${AWS_LIMITS.sqs.maxDelaySeconds}.` };
}

/** PublishBatch's bytes as SNS counts them: every entry's message and attributes together. */
export function publishBatchBytes(params: Record<string, string>): number {
  let bytes = 0;
  for (const entry of parseBatchEntries(params)) {
    bytes += Buffer.byteLength(entry.message, "utf8");
    for (const [name, attribute] of Object.entries(entry.messageAttributes)) {
      bytes += Buffer.byteLength(name, "utf8") + Buffer.byteLength(attribute.DataType, "utf8");
      // A binary value arrives base64 encoded; SNS counts its bytes.
      bytes += attribute.BinaryValue !== undefined ? Buffer.byteLength(attribute.BinaryValue, "base64") : Buffer.byteLength(attribute.StringValue ?? "", "utf8");
    }
  }
  return bytes;
}

function wrapRegister(router: Router, check: (action: string, handler: Handler) => Handler): void {
  const register = router.prototype.register;
  router.prototype.register = function (action, handler) {
    register.call(this, action, check(action, handler));
  };
}

/**
 * fauxqs checks each SNS message's size and most SQS bounds as AWS does, but not a PublishBatch's
 * 256 KiB in all nor SQS's 900-second delay: a batch that AWS refuses with BatchRequestTooLong was
 * accepted. These checks run before fauxqs's own handlers and throw fauxqs's own errors, so the SDK
 * gets the code, fault and status AWS sends. Must run before fauxqs builds its app.
 */
export async function installFauxqsLimits(): Promise<void> {
  const dist = new URL(".", import.meta.resolve("fauxqs"));
  const { version } = (await import(new URL("../package.json", dist).href, { with: { type: "json" } })).default as { version: string };
  if (version !== FAUXQS_VERSION) throw new Error(`infra/local/fauxqs-limits.ts wraps fauxqs ${FAUXQS_VERSION}'s routers, not ${version}'s: check its SNS and SQS limits again and update it`);
  const { SqsError, SnsError } = (await import(new URL("common/errors.js", dist).href)) as { SqsError: ErrorClass; SnsError: ErrorClass };
  const { SqsRouter } = (await import(new URL("sqs/sqsRouter.js", dist).href)) as { SqsRouter: Router };
  const { SnsRouter } = (await import(new URL("sns/snsRouter.js", dist).href)) as { SnsRouter: Router };

  wrapRegister(SqsRouter, (action, handler) => (body, ...rest) => {
    const problem = sqsLimitProblem(action, body as Parameters<typeof sqsLimitProblem>[1]);
    if (problem) throw new SqsError(problem.code, problem.message);
    return handler(body, ...rest);
  });
  wrapRegister(SnsRouter, (action, handler) => {
    if (action !== "PublishBatch") return handler;
    return (params, ...rest) => {
      if (publishBatchBytes(params as Record<string, string>) > AWS_LIMITS.sns.publishBatchBytes) {
        throw new SnsError("BatchRequestTooLong", "The length of all the messages put together is more than the limit.");
      }
      return handler(params, ...rest);
    };
  });
}
