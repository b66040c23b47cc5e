import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { BUILT_IN_VERSION, type TemplateDefinition } from "#shared/domain/templates/template-definition.ts";
import type { TemplateDocument, TemplateSummary } from "#shared/domain/templates/template-document.ts";

/** Every type's head item shares this partition, so listing the types is one Query. */
const HEADS = "#types";
const MAX_PUT_ROUNDS = 10;

const versionEntry = (version: number) => `v#${String(version).padStart(10, "0")}`;

/**
 * Template versions in their own table. A type's versions live under the type, each written once
 * and never changed, so a notification accepted with version n renders version n forever; the
 * type's head (under "#types") says which version is active. The templates in the repository are
 * version 1 of their types without being stored: a fresh stack starts with them, and the first
 * change to one is its version 2.
 */
export interface TemplateStoreOptions {
  /** How long a function trusts the active version it read; 0 reads it every time. */
  activeCacheMillis: number;
  now: () => number;
}

export class TemplateStore {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly builtIns: ReadonlyMap<string, TemplateDefinition>;
  private readonly options: TemplateStoreOptions;
  /** Versions never change once stored: kept for the life of the environment. */
  private readonly versions = new Map<string, TemplateDefinition>();
  /** The lookup itself is kept, so lookups that start together (a sweep's page of digests) share one read. */
  private readonly activeVersions = new Map<string, { version: Promise<number | undefined>; until: number }>();

  constructor(client: DynamoDBDocumentClient, tableName: string, builtIns: readonly TemplateDefinition[], options: TemplateStoreOptions) {
    this.client = client;
    this.tableName = tableName;
    this.builtIns = new Map(builtIns.map((template) => [template.type, template]));
    this.options = options;
  }

  /** The version new notifications of the type render with; undefined for a type nobody defined. */
  async active(type: string): Promise<TemplateDefinition | undefined> {
    const version = await this.activeVersion(type);
    return version === undefined ? undefined : this.version(type, version);
  }

  /** One version of a type, as stored; undefined when there is no such version. */
  async version(type: string, version: number): Promise<TemplateDefinition | undefined> {
    const builtIn = this.builtIns.get(type);
    if (builtIn && version === BUILT_IN_VERSION) return builtIn;
    const key = `${type}@${version}`;
    const known = this.versions.get(key);
    if (known) return known;
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: { scope: type, entry: versionEntry(version) } }));
    if (!Item) return undefined;
    const template = { type, version, ...(JSON.parse(Item.definition as string) as TemplateDocument) };
    this.versions.set(key, template);
    return template;
  }

  /** The number of the type's active version; undefined for a type nobody defined. */
  async activeVersion(type: string): Promise<number | undefined> {
    const now = this.options.now();
    const cached = this.activeVersions.get(type);
    if (cached && cached.until > now) return cached.version;
    const version = this.head(type).then((head) => head?.activeVersion ?? (this.builtIns.has(type) ? BUILT_IN_VERSION : undefined));
    if (this.options.activeCacheMillis > 0) {
      const entry = { version, until: now + this.options.activeCacheMillis };
      this.activeVersions.set(type, entry);
      // A failed read is not remembered: the next lookup reads again.
      version.catch(() => this.activeVersions.get(type) === entry && this.activeVersions.delete(type));
    }
    return version;
  }

  /**
   * Stores the document as the type's next version and makes it active. Versions are numbered by
   * the highest one stored, so two changes at once take two numbers (the later number is active),
   * and a change whose head update was lost still counts.
   */
  async put(type: string, document: TemplateDocument, now: string): Promise<{ version: number; active: boolean }> {
    for (let round = 0; round < MAX_PUT_ROUNDS; round++) {
      const version = (await this.latestVersion(type)) + 1;
      try {
        await this.client.send(
          new PutCommand({
            TableName: this.tableName,
            Item: { scope: type, entry: versionEntry(version), version, definition: JSON.stringify(document), createdAt: now },
            ConditionExpression: "attribute_not_exists(entry)",
          }),
        );
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) continue;
        throw error;
      }
      const active = await this.moveHead(type, { activeVersion: version, latestVersion: version, category: document.category, channels: document.channels, updatedAt: now }, "newer");
      return { version, active };
    }
    throw new Error(`could not store a new version of ${type} in ${MAX_PUT_ROUNDS} rounds`);
  }

  /** Makes an existing version active (rolling back or forward); false when there is no such version. */
  async activate(type: string, version: number, now: string): Promise<boolean> {
    const template = await this.version(type, version);
    if (!template) return false;
    await this.moveHead(type, { activeVersion: version, latestVersion: await this.latestVersion(type), category: template.category, channels: template.channels, updatedAt: now }, "any");
    return true;
  }

  /** Every type, stored or built in, with its active version. */
  async list(): Promise<TemplateSummary[]> {
    const heads = new Map<string, TemplateSummary>();
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(new QueryCommand({ TableName: this.tableName, KeyConditionExpression: "#scope = :heads", ExpressionAttributeNames: { "#scope": "scope" }, ExpressionAttributeValues: { ":heads": HEADS }, ExclusiveStartKey: startKey }));
      for (const item of page.Items ?? []) heads.set(item.entry as string, summaryOf(item));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    for (const [type, builtIn] of this.builtIns) {
      if (!heads.has(type)) heads.set(type, { type, category: builtIn.category, channels: [...builtIn.channels], activeVersion: BUILT_IN_VERSION, versions: BUILT_IN_VERSION, updatedAt: "" });
    }
    return [...heads.values()].sort((a, b) => a.type.localeCompare(b.type));
  }

  private async head(type: string): Promise<{ activeVersion: number } | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: { scope: HEADS, entry: type } }));
    return Item ? { activeVersion: Item.activeVersion as number } : undefined;
  }

  private async latestVersion(type: string): Promise<number> {
    const { Items = [] } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: "#scope = :type AND begins_with(entry, :versions)",
        ExpressionAttributeNames: { "#scope": "scope" },
        ExpressionAttributeValues: { ":type": type, ":versions": "v#" },
        ScanIndexForward: false,
        Limit: 1,
        ConsistentRead: true,
        ProjectionExpression: "version",
      }),
    );
    const stored = (Items[0]?.version as number | undefined) ?? 0;
    return Math.max(stored, this.builtIns.has(type) ? BUILT_IN_VERSION : 0);
  }

  /** "newer": only if no later version is active already (a slower concurrent change loses); "any": always. */
  private async moveHead(type: string, head: Omit<TemplateSummary, "type" | "versions"> & { latestVersion: number }, when: "newer" | "any"): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { scope: HEADS, entry: type },
          UpdateExpression: "SET activeVersion = :active, latestVersion = :latest, category = :category, channels = :channels, updatedAt = :updatedAt",
          ...(when === "newer" ? { ConditionExpression: "attribute_not_exists(latestVersion) OR latestVersion < :latest" } : {}),
          ExpressionAttributeValues: { ":active": head.activeVersion, ":latest": head.latestVersion, ":category": head.category, ":channels": head.channels, ":updatedAt": head.updatedAt },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}

function summaryOf(item: Record<string, unknown>): TemplateSummary {
  return {
    type: item.entry as string,
    category: item.category as string,
    channels: item.channels as string[],
    activeVersion: item.activeVersion as number,
    versions: item.latestVersion as number,
    updatedAt: item.updatedAt as string,
  };
}
