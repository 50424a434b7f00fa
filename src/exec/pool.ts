/**
 * Runs `work` for each item with at most `limit` at once, and lets every started item finish even
 * when another fails: a machine left half-created by an abandoned `vagrant up` is worse than waiting.
 */
export async function runBounded<T>(
  items: T[],
  limit: number,
  work: (item: T) => Promise<void>,
  shouldStart: () => boolean = () => true,
): Promise<{ item: T; error: unknown }[]> {
  const failures: { item: T; error: unknown }[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length && shouldStart()) {
      const item = items[next++]!;
      try {
        await work(item);
      } catch (error) {
        failures.push({ item, error });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return failures;
}
