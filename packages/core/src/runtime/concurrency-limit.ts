/** Runs `work` for each item with at most `limit` in flight; results keep the items' order. */
export async function mapWithLimit<Item, Result>(options: {
  items: readonly Item[];
  limit: number;
  work: (item: Item, index: number) => Promise<Result>;
}): Promise<Result[]> {
  const { items, limit, work } = options;
  const results = new Array<Result>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as Item, index);
    }
  });
  await Promise.all(lanes);
  return results;
}
