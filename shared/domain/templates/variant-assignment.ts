import { createHash } from "node:crypto";
import type { TemplateVariant } from "./template-document.ts";

/**
 * The variant a recipient of a notification sees: drawn by weight from a hash of (notificationId,
 * userId), so every channel of that notification, and every retry of it, lands on the same one
 * without anything stored; undefined for a template without variants.
 */
export function assignVariant(variants: readonly Pick<TemplateVariant, "name" | "weight">[] | undefined, notificationId: string, userId: string): string | undefined {
  if (!variants || variants.length === 0) return undefined;
  const total = variants.reduce((sum, variant) => sum + variant.weight, 0);
  // 48 bits of SHA-256 spread evenly over any total weight up to the schema's 10 x 10,000.
  const point = (createHash("sha256").update(`${notificationId}\n${userId}`).digest().readUIntBE(0, 6) / 2 ** 48) * total;
  let reached = 0;
  for (const variant of variants) {
    reached += variant.weight;
    if (point < reached) return variant.name;
  }
  return variants.at(-1)!.name;
}
