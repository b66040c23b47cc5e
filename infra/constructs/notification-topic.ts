import { Stack } from "aws-cdk-lib";
import { AnyPrincipal, ArnPrincipal, Effect, PolicyStatement, type IGrantable, type IRole } from "aws-cdk-lib/aws-iam";
import { Alias } from "aws-cdk-lib/aws-kms";
import { Topic } from "aws-cdk-lib/aws-sns";
import { Construct } from "constructs";

/** The `notifications` topic every channel queue subscribes to: encrypted, HTTPS only. */
export class NotificationTopic extends Construct {
  readonly topic: Topic;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.topic = new Topic(this, "Topic", {
      topicName: `${Stack.of(this).stackName}-notifications`,
      masterKey: Alias.fromAliasName(this, "SnsManagedKey", "alias/aws/sns"),
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
