/** Names the tables declare in infra and the stores query by. */

/** The inbox's sparse index of unread items (only they carry `unreadKey`). */
export const UNREAD_INDEX = "unread";
