/**
 * Kratos lets every scalar config key be set from the environment: the key path upper-cased and joined by
 * underscores (`serve.public.port` -> `SERVE_PUBLIC_PORT`). This walks the config schema to find those paths
 * and coerces the string values to the schema's type, so a wrong value is reported like a wrong YAML value.
 */
interface SchemaNode {
  type?: string | readonly string[];
  properties?: Record<string, SchemaNode>;
}

export interface EnvOverride {
  path: string[];
  envName: string;
  value: unknown;
}

export function collectEnvOverrides(schema: object, env: NodeJS.ProcessEnv): EnvOverride[] {
  const overrides: EnvOverride[] = [];
  const walk = (node: SchemaNode, path: string[]): void => {
    if (node.properties) {
      for (const [key, child] of Object.entries(node.properties)) walk(child, [...path, key]);
      return;
    }
    const envName = envNameOf(path);
    const raw = env[envName];
    if (raw === undefined || raw === '') return;
    overrides.push({ path, envName, value: coerce(raw, node.type) });
  };
  walk(schema as SchemaNode, []);
  return overrides;
}

/** `serve.public.port` -> `SERVE_PUBLIC_PORT`. */
export function envNameOf(path: readonly string[]): string {
  return path.join('_').toUpperCase();
}

function coerce(raw: string, type: SchemaNode['type']): unknown {
  const types = typeof type === 'string' ? [type] : (type ?? []);
  if (types.includes('integer') || types.includes('number')) {
    // Left as a string when it is not a number so that schema validation names the key and the reason.
    return /^-?[0-9]+(\.[0-9]+)?$/.test(raw.trim()) ? Number(raw) : raw;
  }
  if (types.includes('boolean')) {
    if (raw === 'true' || raw === '1') return true;
    if (raw === 'false' || raw === '0') return false;
    return raw;
  }
  if (types.includes('array') || types.includes('object')) {
    try {
      return JSON.parse(raw);
    } catch {
      return raw;
    }
  }
  return raw;
}

export function applyOverride(document: Record<string, unknown>, override: EnvOverride): void {
  let node: Record<string, unknown> = document;
  for (const key of override.path.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[override.path[override.path.length - 1] as string] = override.value;
}
