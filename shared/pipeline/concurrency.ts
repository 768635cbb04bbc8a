// Bounded concurrency for store round trips (plan and aggregate touch every cell; one at a time
// is slow against S3, all at once exhausts sockets and memory).

/** Run `task` for every item, at most `limit` at once; rejects with the first error. */
export async function forEachLimit<T>(items: readonly T[], limit: number, task: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const lane = async () => {
    while (!failed && next < items.length) {
      const index = next++;
      try {
        await task(items[index]!, index);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane));
}
