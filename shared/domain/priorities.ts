/** How urgently a notification goes out; high may take an express lane that never waits to fill a batch. */
export const PRIORITIES = ["high", "normal", "low"] as const;
export type Priority = (typeof PRIORITIES)[number];
