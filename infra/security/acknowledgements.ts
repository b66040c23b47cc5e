import { CfnResource, Stack, Token, Validations } from "aws-cdk-lib";
import type { ITableV2 } from "aws-cdk-lib/aws-dynamodb";
import type { IConstruct } from "constructs";

/**
 * Acknowledges one AwsSolutions-IAM5 finding (a single wildcard resource), never the rule as a
 * whole, so a wildcard added later still fails the synth.
 */
export function acknowledgeWildcard(scope: IConstruct, finding: string, reason: string): void {
  Validations.of(scope).acknowledge({ id: `AwsSolutions-IAM5[${finding}]`, reason });
}

/**
 * An ARN in a stack's account and region as cdk-nag prints it in a finding id: a pseudo parameter
 * while the stack is environment-agnostic, the literal value once `cdk deploy` has resolved it.
 */
export function arnAsNagRendersIt(stack: Stack, service: string, resource: string): string {
  const literalOr = (value: string, pseudo: string) => (Token.isUnresolved(value) ? `<AWS::${pseudo}>` : value);
  return `arn:${literalOr(stack.partition, "Partition")}:${service}:${literalOr(stack.region, "Region")}:${literalOr(stack.account, "AccountId")}:${resource}`;
}

/** CDK's KMS grants use action families (kms:GenerateDataKey*, kms:ReEncrypt*), always on this stack's one key. */
export function acknowledgeKeyGrants(stack: Stack): void {
  for (const action of ["kms:GenerateDataKey*", "kms:ReEncrypt*"]) {
    Validations.of(stack).acknowledge({
      id: `AwsSolutions-IAM5[Action::${action}]`,
      reason: `CDK grants the ${action} family on the stack's own customer-managed key only, the narrowest form its KMS grants take.`,
    });
  }
  Validations.of(stack).acknowledge({
    id: "AwsSolutions-KDS3",
    reason: "The stream uses the stack's customer-managed key instead of aws/kinesis because the operator asked for key-policy control with customerManagedKey.",
  });
}

/** A table grant also covers `<table>/index/*`, which names only that table's own indexes. */
export function acknowledgeTableIndexes(scope: IConstruct, table: ITableV2): void {
  const logicalId = Stack.of(table).getLogicalId(table.node.defaultChild as CfnResource);
  acknowledgeWildcard(scope, `Resource::<${logicalId}.Arn>/index/*`, "Queries the table's own secondary indexes (the sparse unread index); no other table is reachable.");
}
