import type { TrainingSample } from '@ajet/spec';

/** The fewest shared tokens worth packing samples for. */
export const MIN_SHARED_PREFIX = 16;
/**
 * The most samples packed together: a cluster is one thread's work, so a batch keeps several to spread over the
 * threads; eight save 7/8 of the prefix work a larger cluster could.
 */
export const MAX_CLUSTER_SIZE = 8;

/** Consecutive samples `first..first+size-1` (of the list clustered) trained as one packed forward/backward. */
export interface SampleCluster {
  first: number;
  size: number;
  /** The tokens they share and compute once: 0 for a sample alone. */
  shared: number;
}

/**
 * How many leading tokens of a sample may be shared: those before the first row whose logits a loss reads (the row
 * before the first position with loss mask 1; position 0 predicts nothing). 0 when nothing is trained.
 */
export function shareableTokens(sample: TrainingSample): number {
  for (let position = 1; position < sample.lossMask.length; position++)
    if (sample.lossMask[position] === 1) return position - 1;
  return 0;
}

function commonPrefix(a: readonly number[], b: readonly number[]): number {
  const limit = Math.min(a.length, b.length);
  let length = 0;
  while (length < limit && a[length] === b[length]) length += 1;
  return length;
}

/**
 * Splits samples (in their order) into runs of consecutive samples that share a prefix of at least
 * `MIN_SHARED_PREFIX` tokens, none of them a row a loss reads, choosing the runs that compute the fewest rows
 * (a run of k sharing P tokens saves (k - 1) · P) with at most `MAX_CLUSTER_SIZE` samples each. Depends on the
 * token ids and loss masks only; a sample that shares nothing is a cluster of its own with `shared` 0.
 */
export function clusterSamples(samples: readonly TrainingSample[]): SampleCluster[] {
  const n = samples.length;
  const bound = samples.map(shareableTokens);
  const next = samples.map((sample, index) =>
    index + 1 < n ? commonPrefix(sample.tokenIds, (samples[index + 1] as TrainingSample).tokenIds) : 0,
  );
  // saved[j]: the most rows saved over samples 0..j-1; from[j]: where its last cluster starts; prefix[j]: its P.
  const saved = new Array<number>(n + 1).fill(0);
  const from = new Array<number>(n + 1).fill(0);
  const prefix = new Array<number>(n + 1).fill(0);
  for (let end = 1; end <= n; end++) {
    saved[end] = saved[end - 1] as number;
    from[end] = end - 1;
    prefix[end] = 0;
    let shared = bound[end - 1] as number;
    for (let start = end - 2; start >= Math.max(0, end - MAX_CLUSTER_SIZE); start--) {
      shared = Math.min(shared, next[start] as number, bound[start] as number);
      if (shared < MIN_SHARED_PREFIX) break;
      const total = (saved[start] as number) + (end - 1 - start) * shared;
      if (total > (saved[end] as number)) {
        saved[end] = total;
        from[end] = start;
        prefix[end] = shared;
      }
    }
  }
  const clusters: SampleCluster[] = [];
  for (let end = n; end > 0; end = from[end] as number) {
    const first = from[end] as number;
    clusters.push({ first, size: end - first, shared: prefix[end] as number });
  }
  return clusters.reverse();
}
