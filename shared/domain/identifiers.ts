import { z } from "zod";

/** '#' is reserved: it separates key parts in the dedup and deliveries tables, where '~' marks history items. */
export const notificationIdSchema = z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/, "must be 1-128 characters of A-Z a-z 0-9 . _ : -");
export const userIdSchema = z.string().regex(/^[A-Za-z0-9._:@+-]{1,128}$/, "must be 1-128 characters of A-Z a-z 0-9 . _ : @ + -");
