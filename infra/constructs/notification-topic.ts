import { Stack } from "aws-cdk-lib";
import { AnyPrincipal, ArnPrincipal, Effect, PolicyStatement, type IGrantable, type IRole } from "aws-cdk-lib/aws-iam";
import { Alias, type IKey } from "aws-cdk-lib/aws-kms";
import { Topic } from "aws-cdk-lib/aws-sns";
import { Construct } from "constructs";

/** The `notifications` topic every channel queue subscribes to: encrypted, HTTPS only. */
export class NotificationTopic extends Construct {
  readonly topic: Topic;
  private readonly customerManagedKey?: IKey;

  /** @param encryptionKey a customer-managed key; without one the topic uses the AWS-managed `alias/aws/sns`. */
  constructor(scope: Construct, id: string, encryptionKey?: IKey) {
    super(scope, id);
    this.customerManagedKey = encryptionKey;
    this.topic = new Topic(this, "Topic", {
      topicName: `${Stack.of(this).stackName}-notifications`,
      masterKey: encryptionKey ?? Alias.fromAliasName(this, "SnsManagedKey", "alias/aws/sns"),
      enforceSSL: true,
    });
  }

  grantPublish(grantee: IGrantable): void {
    this.topic.grantPublish(grantee);
  }

  /**
   * Denies publishing to every principal but these roles and ARNs, whatever their own IAM policies
   * allow: a fan-out topic that anyone in the account could publish to could send to every user.
   */
  restrictPublishersTo(roles: IRole[], externalPublisherArns: readonly string[]): void {
    for (const arn of externalPublisherArns) {
      this.topic.addToResourcePolicy(new PolicyStatement({ sid: `AllowPublisher${externalPublisherArns.indexOf(arn)}`, effect: Effect.ALLOW, principals: [new ArnPrincipal(arn)], actions: ["sns:Publish"], resources: [this.topic.topicArn] }));
      // Only a customer-managed key's policy can admit another account; alias/aws/sns cannot.
      this.customerManagedKey?.grant(new ArnPrincipal(arn), "kms:Decrypt", "kms:GenerateDataKey*");
    }
    this.topic.addToResourcePolicy(
      new PolicyStatement({
        sid: "OnlyKnownPublishers",
        effect: Effect.DENY,
        principals: [new AnyPrincipal()],
        actions: ["sns:Publish"],
        resources: [this.topic.topicArn],
        conditions: { ArnNotEquals: { "aws:PrincipalArn": [...roles.map((role) => role.roleArn), ...externalPublisherArns] } },
      }),
    );
  }
}
