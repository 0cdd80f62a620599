/**
 * What an imported hash looks like before it is stored: usable, declaring costs beyond the bounds Kratos enforces
 * (hash/hash_limits.go: they stop an attacker-supplied hash from exhausting memory or CPU at every login), not
 * parseable, or in no format Kratos imports. Each case has its own 400 reason in the admin API.
 */
export type HashInspection = 'ok' | 'out_of_bounds' | 'unparseable' | 'unknown';
