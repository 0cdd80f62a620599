/** What an import did, record by record counted, with the reasons of everything not imported. */
export interface ImportProblem {
  position: number;
  label: string;
  reason: string;
}

export interface ImportSummary {
  format: string;
  imported: number;
  skipped: number;
  failed: number;
  skips: ImportProblem[];
  failures: ImportProblem[];
  durationMs: number;
}

const LISTED = 50;

/** The summary as printed at the end of `tessera import`: counts, then the failures and skips by reason. */
export function formatSummary(summary: ImportSummary): string {
  const lines = [
    `import finished in ${(summary.durationMs / 1000).toFixed(1)} s (format: ${summary.format})`,
    `  imported: ${summary.imported}`,
    `  skipped:  ${summary.skipped}${summary.skipped ? ' (already present or left out on purpose)' : ''}`,
    `  failed:   ${summary.failed}`,
  ];
  if (summary.skipped > 0) {
    lines.push('', 'skipped, by reason:');
    for (const [reason, count] of countBy(summary.skips.map((s) => reasonClass(s.reason)))) lines.push(`  ${count} × ${reason}`);
  }
  if (summary.failed > 0) {
    lines.push('', 'failed:');
    for (const failure of summary.failures.slice(0, LISTED)) lines.push(`  record ${failure.position} (${failure.label}): ${failure.reason}`);
    if (summary.failures.length > LISTED) lines.push(`  … and ${summary.failures.length - LISTED} more`);
  }
  return lines.join('\n');
}

/** `identifier a@b.c exists` and `identifier x@y.z exists` are one reason in the summary. */
function reasonClass(reason: string): string {
  return reason.replace(/^identifier .* exists$/, 'an identity with this identifier exists');
}

function countBy(values: string[]): Array<[string, number]> {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1]);
}
