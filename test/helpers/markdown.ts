import { readFileSync } from 'node:fs';

/** The fenced code blocks of one language in a markdown file, optionally only those under a `## heading`. */
export function codeBlocks(file: string, language: string, section?: string): string[] {
  let text = readFileSync(file, 'utf8');
  if (section !== undefined) {
    const start = text.indexOf(`\n## ${section}\n`);
    if (start < 0) throw new Error(`${file} has no section "## ${section}"`);
    const end = text.indexOf('\n## ', start + 1);
    text = text.slice(start, end < 0 ? undefined : end);
  }
  const blocks: string[] = [];
  const fence = new RegExp(`^\`\`\`${language}\\n([\\s\\S]*?)^\`\`\`$`, 'gm');
  for (let match = fence.exec(text); match; match = fence.exec(text)) blocks.push(match[1] as string);
  return blocks;
}
