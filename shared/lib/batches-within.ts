/** How much one batch request may carry: entries, and their bytes added up. */
export interface BatchBudget<T> {
  maxEntries: number;
  maxBytes: number;
  bytesOf: (entry: T) => number;
}

/**
 * Cuts entries, in order, into as few batches as the budget allows: each holds at most `maxEntries`
 * whose bytes add up to at most `maxBytes`. AWS refuses a whole batch over its byte limit (SNS and
 * SQS answer BatchRequestTooLong, Kinesis and DynamoDB a validation error), so a batch cut by count
 * alone fails on every try once its entries are large. An entry over `maxBytes` on its own still
 * gets a batch of its own, where the service refuses it alone.
 */
export function batchesWithin<T>(entries: readonly T[], budget: BatchBudget<T>): T[][] {
  const batches: T[][] = [];
  let current: T[] = [];
  let currentBytes = 0;
  for (const entry of entries) {
    const bytes = budget.bytesOf(entry);
    if (current.length > 0 && (current.length >= budget.maxEntries || currentBytes + bytes > budget.maxBytes)) {
      batches.push(current);
      current = [];
      currentBytes = 0;
    }
    current.push(entry);
    currentBytes += bytes;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
