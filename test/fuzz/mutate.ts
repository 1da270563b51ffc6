/**
 * Seeded mutation for the fuzz tier: a small PRNG and text mutators that aim at the edges real parsers trip on
 * (YAML aliases and merge keys, odd numbers and line endings, deep nesting, huge values, broken encodings).
 * Seeded, so every failure is reproducible from the seed and case number printed with it. A hand-written mutator
 * over a property-based library: the inputs are text files, where shrinking would not say more than the case.
 */

/** The seed of this run: FUZZ_SEED, else a fixed one (npm test) or a random one (npm run fuzz sets FUZZ_RANDOM). */
export function getFuzzSeed(): number {
  if (process.env.FUZZ_SEED) return Number(process.env.FUZZ_SEED) >>> 0;
  if (process.env.FUZZ_RANDOM) return (Math.random() * 2 ** 32) >>> 0;
  return 20261201;
}

/** How many cases a campaign runs: FUZZ_CASES, else `fallback` (sized for npm test on 2 cores). */
export function getFuzzCases(fallback: number): number {
  const wanted = Number(process.env.FUZZ_CASES);
  return Number.isSafeInteger(wanted) && wanted > 0 ? wanted : fallback;
}

/** mulberry32: a tiny, fast, seedable PRNG. */
export function createRandom(seed: number): Random {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (max) => Math.floor(next() * max),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)],
  };
}

export interface Random {
  next(): number;
  /** 0 <= n < max. */
  int(max: number): number;
  pick<T>(items: readonly T[]): T;
}

/** Tokens that have broken YAML readers and the code behind them. */
const TOKENS = [
  "*nope", "&a", "*a", "<<: 1", "<<: [1, 2]", "<<: ~", "<<: *a", "---", "...", "~", "null", "? [a, b]\n: 1",
  "1e-400", "1e400", ".inf", "-.nan", "18014398509481984", "-1", "0x7FFFFFFFFFFFFFFF", "3.5", "0o17", "+12",
  "\t", "\r", "\r\n", "\u0000", "\uFEFF", "\u2028", "é", "💺", "'", '"', "{", "}", "[", "]", ",", ":", "- ", "#",
  "!!binary aGk=", "!!timestamp 2001-12-14", "!custom x", "%YAML 1.1", "|", ">", "&a [*a]",
  "9999-12-31T23:59:60Z", "2026-13-45", "x".repeat(300), "[".repeat(80) + "]".repeat(80),
];

function splice(text: string, at: number, remove: number, insert: string): string {
  return text.slice(0, at) + insert + text.slice(at + remove);
}

/** One random mutation of `text`. */
export function mutateOnce(text: string, random: Random): string {
  const lines = text.split("\n");
  const at = random.int(text.length + 1);
  switch (random.int(9)) {
    case 0:
      return splice(text, at, 0, random.pick(TOKENS));
    case 1:
      return splice(text, at, 1 + random.int(8), "");
    case 2: {
      const i = random.int(lines.length);
      lines.splice(i, 0, lines[random.int(lines.length)] ?? "");
      return lines.join("\n");
    }
    case 3: {
      lines.splice(random.int(lines.length), 1);
      return lines.join("\n");
    }
    case 4: {
      // Replace a value after a colon with a token.
      const i = random.int(lines.length);
      const colon = lines[i]?.indexOf(": ") ?? -1;
      if (colon >= 0) lines[i] = `${lines[i].slice(0, colon + 2)}${random.pick(TOKENS)}`;
      return lines.join("\n");
    }
    case 5: {
      // Re-indent a line.
      const i = random.int(lines.length);
      lines[i] = " ".repeat(random.int(9)) + (lines[i] ?? "").trimStart();
      return lines.join("\n");
    }
    case 6:
      return text.replace(/\n/g, random.pick(["\r", "\r\n", "\n\n", " \n"]));
    case 7: {
      // Repeat a block of lines many times (size and duplicates).
      const i = random.int(lines.length);
      const block = lines.slice(i, i + 1 + random.int(4));
      return [...lines, ...Array.from({ length: 1 + random.int(200) }, () => block).flat()].join("\n");
    }
    default:
      return splice(text, at, 0, String.fromCharCode(random.int(0x3000)));
  }
}

/** `seed` text after 1..maxMutations random mutations. */
export function mutate(seedText: string, random: Random, maxMutations = 4): string {
  let text = seedText;
  const count = 1 + random.int(maxMutations);
  for (let i = 0; i < count; i += 1) text = mutateOnce(text, random);
  return text;
}
