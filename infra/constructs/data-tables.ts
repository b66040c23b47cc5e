import { RemovalPolicy, Stack } from "aws-cdk-lib";
import { AttributeType, Billing, ProjectionType, TableEncryptionV2, TableV2 } from "aws-cdk-lib/aws-dynamodb";
import type { IKey } from "aws-cdk-lib/aws-kms";
import { UNREAD_INDEX } from "#shared/domain/storage-names.ts";
import { Construct } from "constructs";

export interface DataTablesProps {
  /** Keep preferences, deliveries, inboxes, audiences, templates and analytics when the stack is deleted. @default true */
  readonly retainUserData?: boolean;
  /** Customer-managed key for every table. @default the AWS-managed key (aws/dynamodb) */
  readonly encryptionKey?: IKey;
}

/** The stack's DynamoDB tables, on-demand and encrypted at rest with a KMS key. */
export class DataTables extends Construct {
  /** userId → the user's addresses and switches. */
  readonly preferences: TableV2;
  /** Provider message id → the delivery it belongs to, for push receipts; expires by TTL. */
  readonly dedup: TableV2;
  /** notificationId + userId#channel → the delivery's send claim, status and history. */
  readonly deliveries: TableV2;
  /** userId + itemId → the in-app channel's items. */
  readonly inbox: TableV2;
  /** shard + dueKey → notifications held for quiet hours; expires by TTL as a backstop. */
  readonly deferred: TableV2;
  /** audienceId#shard + userId → an audience's members; audienceId + "#audience" → its name and count. */
  readonly audiences: TableV2;
  /** type + version → a stored template version; "#types" + type → the type's active version. */
  readonly templates: TableV2;
  /** type + day#channel#version#variant → engagement counters. */
  readonly analytics: TableV2;

  constructor(scope: Construct, id: string, props: DataTablesProps = {}) {
    super(scope, id);
    const stackName = Stack.of(this).stackName;
    const userData = props.retainUserData === false ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;
    const defaults = { billing: Billing.onDemand(), encryption: props.encryptionKey ? TableEncryptionV2.customerManagedKey(props.encryptionKey) : TableEncryptionV2.awsManagedKey() };

    this.preferences = new TableV2(this, "Preferences", {
      ...defaults,
      tableName: `${stackName}-preferences`,
      partitionKey: { name: "userId", type: AttributeType.STRING },
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: userData,
    });
    this.dedup = new TableV2(this, "Dedup", {
      ...defaults,
      tableName: `${stackName}-dedup`,
      partitionKey: { name: "claimKey", type: AttributeType.STRING },
      timeToLiveAttribute: "expiresAt",
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.deliveries = new TableV2(this, "Deliveries", {
      ...defaults,
      tableName: `${stackName}-deliveries`,
      partitionKey: { name: "notificationId", type: AttributeType.STRING },
      sortKey: { name: "deliveryKey", type: AttributeType.STRING },
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: userData,
    });
    this.inbox = new TableV2(this, "Inbox", {
      ...defaults,
      tableName: `${stackName}-inbox`,
      partitionKey: { name: "userId", type: AttributeType.STRING },
      sortKey: { name: "itemId", type: AttributeType.STRING },
      // Sparse: only unread items carry unreadKey, so counting unread reads nothing else.
      globalSecondaryIndexes: [
        { indexName: UNREAD_INDEX, partitionKey: { name: "userId", type: AttributeType.STRING }, sortKey: { name: "unreadKey", type: AttributeType.STRING }, projectionType: ProjectionType.KEYS_ONLY },
      ],
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: userData,
    });
    this.deferred = new TableV2(this, "Deferred", {
      ...defaults,
      tableName: `${stackName}-deferred`,
      partitionKey: { name: "shard", type: AttributeType.STRING },
      sortKey: { name: "dueKey", type: AttributeType.STRING },
      timeToLiveAttribute: "expiresAt",
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: userData,
    });
    this.audiences = new TableV2(this, "Audiences", {
      ...defaults,
      tableName: `${stackName}-audiences`,
      partitionKey: { name: "audienceKey", type: AttributeType.STRING },
      sortKey: { name: "memberKey", type: AttributeType.STRING },
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: userData,
    });
    // Kept like user data: the versions in it are what notifications in flight and in history rendered with.
    this.templates = new TableV2(this, "Templates", {
      ...defaults,
      tableName: `${stackName}-templates`,
      partitionKey: { name: "scope", type: AttributeType.STRING },
      sortKey: { name: "entry", type: AttributeType.STRING },
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: userData,
    });
    this.analytics = new TableV2(this, "Analytics", {
      ...defaults,
      tableName: `${stackName}-analytics`,
      partitionKey: { name: "type", type: AttributeType.STRING },
      sortKey: { name: "bucket", type: AttributeType.STRING },
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: userData,
    });
  }
}
