/**
 * Go's time.ParseDuration syntax, as Kratos uses it in kratos.yml (`1h`, `10m`, `1m30s`, `500ms`).
 * Returns milliseconds (fractions below 1 ms are kept as fractions).
 */
const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

const PART = /([0-9]*\.?[0-9]+)(ns|us|µs|ms|s|m|h)/y;

export function parseDuration(text: string): number {
  if (text === '0') return 0;
  if (text.length === 0) throw new Error('empty duration');
  let total = 0;
  let index = 0;
  PART.lastIndex = 0;
  while (index < text.length) {
    PART.lastIndex = index;
    const match = PART.exec(text);
    if (!match) throw new Error(`invalid duration "${text}" (use Go syntax such as 30s, 10m, 1h, 1h30m)`);
    total += Number(match[1]) * (UNIT_MS[match[2] as string] as number);
    index = PART.lastIndex;
  }
  return total;
}
