/**
 * Byte sizes as Kratos writes them (`128MB`, `64MB`, `1GB`), using inhies/go-bytesize semantics: KB = 1024.
 * A plain integer is taken as bytes.
 */
const MULTIPLIER: Record<string, number> = {
  B: 1,
  KB: 1024,
  MB: 1024 ** 2,
  GB: 1024 ** 3,
  TB: 1024 ** 4,
};

export function parseByteSize(value: string | number): number {
  if (typeof value === 'number') return value;
  const match = /^\s*([0-9]+(?:\.[0-9]+)?)\s*(B|KB|MB|GB|TB)\s*$/i.exec(value);
  if (!match) throw new Error(`invalid byte size "${value}" (use e.g. 64MB)`);
  return Math.round(Number(match[1]) * (MULTIPLIER[(match[2] as string).toUpperCase()] as number));
}
