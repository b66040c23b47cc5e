/**
 * Handles items in parallel across keys and in order within a key, at most `concurrency` keys at a
 * time. Once an item fails, the later items of its key are not attempted, so nothing overtakes a
 * failure. Returns the failed and skipped items in input order.
 */
export async function inOrderPerKey<T>(items: readonly T[], keyOf: (item: T) => string, handle: (item: T) => Promise<void>, concurrency: number): Promise<T[]> {
  const queues = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    queues.set(key, [...(queues.get(key) ?? []), item]);
  }
  const unfinished = new Set<T>();
  const pending = [...queues.values()];
  const runQueues = async () => {
    for (let queue = pending.shift(); queue; queue = pending.shift()) {
      for (const [index, item] of queue.entries()) {
        try {
          await handle(item);
        } catch {
          for (const rest of queue.slice(index)) unfinished.add(rest);
          break;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, pending.length) }, runQueues));
  return items.filter((item) => unfinished.has(item));
}
