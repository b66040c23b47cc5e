import type { IKey } from "aws-cdk-lib/aws-kms";
import { QueueEncryption, type QueueProps } from "aws-cdk-lib/aws-sqs";

/** A queue's encryption: the stack's customer-managed key when it has one, SQS-managed keys (SSE-SQS) otherwise. */
export function queueEncryption(key: IKey | undefined): Pick<QueueProps, "encryption" | "encryptionMasterKey"> {
  return key ? { encryption: QueueEncryption.KMS, encryptionMasterKey: key } : { encryption: QueueEncryption.SQS_MANAGED };
}
