/**
 * `work` on every item, `size` at a time (DynamoDB writes for one notification's deliveries or a
 * window's members: enough in flight to be quick, few enough not to throttle one partition).
 * Results come back in the items' order.
 */
export async function inChunks<T, R>(items: readonly T[], size: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let start = 0; start < items.length; start += size) results.push(...(await Promise.all(items.slice(start, start + size).map(work))));
  return results;
}
