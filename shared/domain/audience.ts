import { z } from "zod";
import { fnv1a } from "../lib/fnv1a.ts";
import { userIdSchema } from "./identifiers.ts";

/** An audience is named like a user, so its id is safe in every key and URL a user id is. */
export const audienceIdSchema = userIdSchema;

/**
 * Members are spread over this many partition keys: one key takes about 1,000 writes a second, so a
 * million-member import on one key would take a quarter of an hour and throttle everything beside it.
 * Changing it moves members between shards: it is fixed for the life of a table.
 */
export const AUDIENCE_SHARDS = 16;

/** Ids a member change may name, added and removed together. */
export const MAX_MEMBER_CHANGES = 1000;

/** The shard a member lives in: FNV-1a of the userId, so it is the same on every machine and run. */
export function audienceShardOf(userId: string): number {
  return fnv1a(userId) % AUDIENCE_SHARDS;
}

export const audienceDetailsSchema = z.strictObject({
  name: z.string().min(1).max(200).optional(),
  description: z.string().max(2000).optional(),
});
export type AudienceDetails = z.infer<typeof audienceDetailsSchema>;

export const memberChangeSchema = z
  .strictObject({
    add: z.array(userIdSchema).optional(),
    remove: z.array(userIdSchema).optional(),
  })
  .superRefine((change, context) => {
    const named = (change.add?.length ?? 0) + (change.remove?.length ?? 0);
    if (named < 1 || named > MAX_MEMBER_CHANGES) context.addIssue({ code: "custom", message: `name 1-${MAX_MEMBER_CHANGES} userIds in add and remove together, not ${named}` });
    const added = new Set(change.add);
    const both = [...new Set(change.remove)].filter((userId) => added.has(userId));
    if (both.length > 0) context.addIssue({ code: "custom", path: ["remove"], message: `added and removed at once: ${both.slice(0, 5).join(", ")}${both.length > 5 ? ", ..." : ""}` });
  });
export type MemberChange = z.infer<typeof memberChangeSchema>;

export interface Audience extends AudienceDetails {
  audienceId: string;
  /** Kept as members change, so reading it never reads the members. */
  members: number;
  createdAt: string;
}
