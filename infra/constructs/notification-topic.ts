import { Stack } from "aws-cdk-lib";
import type { IGrantable } from "aws-cdk-lib/aws-iam";
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
}
