/** "Did you mean ...?": the nearest of a few known names to a mistyped one, by edit distance. */

/**
 * Edit distance between `a` and `b`: insertions, deletions, substitutions and swaps of two neighbours cost 1
 * each (optimal string alignment), so `--nwo` is one step from `--now`.
 */
export function measureEditDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i += 1) {
    for (let j = 1; j <= b.length; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      rows[i][j] = Math.min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) rows[i][j] = Math.min(rows[i][j], rows[i - 2][j - 2] + 1);
    }
  }
  return rows[a.length][b.length];
}

/**
 * The candidate closest to `input` (case-insensitive), or undefined when none is close enough to be a typo:
 * at most a third of the longer name may differ (at least one edit), so `--formt` finds `--format` but `--zzz`
 * finds nothing. A candidate that starts with the input (an abbreviation such as `--out`) also counts.
 */
export function findClosestName(input: string, candidates: readonly string[]): string | undefined {
  // A long "name" is no typo of a short one, and measuring it would cost length x length.
  if (input.length > 64) return undefined;
  const wanted = input.toLowerCase();
  let best: { name: string; distance: number } | undefined;
  for (const name of candidates) {
    const candidate = name.toLowerCase();
    const distance = wanted.length >= 2 && candidate.startsWith(wanted) ? 0.5 : measureEditDistance(wanted, candidate);
    const limit = Math.max(1, Math.floor(Math.max(wanted.length, candidate.length) / 3));
    if (distance <= limit && (best === undefined || distance < best.distance)) best = { name, distance };
  }
  return best?.name;
}
