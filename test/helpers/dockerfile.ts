import { readFileSync } from 'node:fs';

/**
 * A Dockerfile read the way `docker build` reads it, for tests that check an image without a Docker engine:
 * comments dropped, `\` continuations joined, `ARG` defaults substituted, and the instructions grouped by stage.
 */
export interface Instruction {
  keyword: string;
  args: string;
}

export interface Stage {
  name: string;
  base: string;
  instructions: Instruction[];
}

export interface Copy {
  from: string | null;
  sources: string[];
  destination: string;
}

export function readDockerfile(path: string): Stage[] {
  const logical = readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('#'))
    .join('\n')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  const args = new Map<string, string>();
  const stages: Stage[] = [];
  for (const line of logical) {
    const space = line.indexOf(' ');
    const keyword = line.slice(0, space).toUpperCase();
    const rest = line.slice(space + 1).trim();
    if (keyword === 'ARG' && stages.length === 0) {
      const [name = '', value = ''] = rest.split('=');
      args.set(name, value);
      continue;
    }
    if (keyword === 'FROM') {
      const [base = '', , name = `stage${stages.length}`] = rest.replace(/\$\{(\w+)\}/g, (_, arg: string) => args.get(arg) ?? '').split(/\s+/);
      stages.push({ name, base, instructions: [] });
      continue;
    }
    const stage = stages.at(-1);
    if (!stage) throw new Error(`${path}: ${keyword} before FROM`);
    stage.instructions.push({ keyword, args: rest });
  }
  return stages;
}

export function instructionsOf(stage: Stage, keyword: string): string[] {
  return stage.instructions.filter((i) => i.keyword === keyword).map((i) => i.args);
}

export function copiesOf(stage: Stage): Copy[] {
  return instructionsOf(stage, 'COPY').map(parseCopy);
}

/** `COPY [--from=stage] source... destination`. */
export function parseCopy(args: string): Copy {
  const words = args.split(/\s+/);
  const from = words[0]?.startsWith('--from=') ? (words.shift() as string).slice('--from='.length) : null;
  const destination = words.pop() as string;
  return { from, sources: words, destination };
}

/** `ENV A=1 B=2` of a stage, in order. */
export function envOf(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const args of instructionsOf(stage, 'ENV')) {
    for (const pair of args.split(/\s+/)) {
      const equals = pair.indexOf('=');
      env[pair.slice(0, equals)] = pair.slice(equals + 1);
    }
  }
  return env;
}

/** The exec form `["node", "dist/main.js"]` of ENTRYPOINT, CMD and HEALTHCHECK ... CMD. */
export function execForm(args: string): string[] {
  return JSON.parse(args.slice(args.indexOf('['))) as string[];
}
