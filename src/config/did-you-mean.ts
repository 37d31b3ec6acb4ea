/**
 * "Did you mean …?" for mistyped config keys: an edit distance and a nearest-candidate pick. Pure.
 */

/**
 * Optimal-string-alignment distance between `a` and `b`: the fewest single-character insertions,
 * deletions, substitutions and swaps of two adjacent characters that turn one into the other
 * (`intervl_ms` → `interval_ms` is 1, `prot` → `port` is 1). Case-sensitive; O(|a|·|b|).
 */
export function editDistance(a: string, b: string): number {
  // rows[i][j] = distance between the first i characters of a and the first j of b.
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    const row = rows[i] as number[];
    const above = rows[i - 1] as number[];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min((above[j] as number) + 1, (row[j - 1] as number) + 1, (above[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, ((rows[i - 2] as number[])[j - 2] as number) + 1);
      row[j] = best;
    }
  }
  return (rows[a.length] as number[])[b.length] as number;
}

/** Spelling differences that never count: case, and `-` for `_`. */
function normalize(key: string): string {
  return key.toLowerCase().replace(/-/g, '_');
}

/**
 * The candidate `word` was most likely meant to be, or null when none is close enough.
 *
 * Close enough: after lowercasing and reading `-` as `_`, an {@link editDistance} of at most 1
 * for words up to 4 characters, 2 up to 8, 3 beyond (so `codx` → `codex`, `intervl_ms` →
 * `interval_ms`, but `port` is never taken for `host`); or `word` plus a missing `_ms` unit
 * (`timeout` → `timeout_ms`). The smallest distance wins; a tie goes to the earlier candidate.
 */
export function closestKey(word: string, candidates: readonly string[]): string | null {
  const wanted = normalize(word);
  const limit = wanted.length <= 4 ? 1 : wanted.length <= 8 ? 2 : 3;
  let best: string | null = null;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const distance = normalize(candidate) === `${wanted}_ms` ? 1 : editDistance(wanted, normalize(candidate));
    if (distance <= limit && distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}
