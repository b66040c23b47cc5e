import { placementOf, renderingOf, type Rendering } from "./delivery-event.ts";

/**
 * Identifies a delivery inside a provider message so feedback about it (bounces, opens, receipts)
 * finds its way back. SES tag values allow only letters, digits, '_' and '-', so ids travel as
 * base64url, which uses nothing else and round-trips every id exactly.
 */
export interface DeliveryTags extends Rendering {
  notificationId: string;
  userId: string;
  type: string;
  /** A broadcast's delivery names its row shards, which place its row. */
  rowShards?: number;
}

const TAG_NAMES = { notificationId: "nid", userId: "uid", type: "type", templateVersion: "tv", variant: "var", rowShards: "rs" } as const;

export function encodeDeliveryTags(tags: DeliveryTags): Array<{ Name: string; Value: string }> {
  return (Object.keys(TAG_NAMES) as (keyof DeliveryTags)[])
    .filter((field) => tags[field] !== undefined)
    .map((field) => ({ Name: TAG_NAMES[field], Value: Buffer.from(String(tags[field]), "utf8").toString("base64url") }));
}

/** The delivery named by SES's `mail.tags` ({name: [value]}), or undefined for mail we did not tag. */
export function decodeDeliveryTags(tags: Record<string, string[] | undefined> | undefined): DeliveryTags | undefined {
  const value = (field: keyof DeliveryTags) => {
    const encoded = tags?.[TAG_NAMES[field]]?.[0];
    return encoded ? Buffer.from(encoded, "base64url").toString("utf8") : undefined;
  };
  const [notificationId, userId, type, templateVersion, variant, rowShards] = [value("notificationId"), value("userId"), value("type"), value("templateVersion"), value("variant"), value("rowShards")];
  if (!notificationId || !userId) return undefined;
  return { notificationId, userId, type: type ?? "unknown", ...renderingOf({ templateVersion: templateVersion === undefined ? undefined : Number(templateVersion) || undefined, variant }), ...placementOf({ rowShards: rowShards === undefined ? undefined : Number(rowShards) || undefined }) };
}
