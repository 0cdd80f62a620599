/**
 * Appends a path to a base URL the way Kratos's urlx.AppendPaths does: exactly one slash between them, and the
 * base's own path kept (so `https://example.com/auth` + `self-service/login` stays under `/auth`).
 */
export function joinUrl(base: string, path: string): string {
  const trimmedBase = base.endsWith('/') ? base.slice(0, -1) : base;
  const trimmedPath = path.startsWith('/') ? path.slice(1) : path;
  return `${trimmedBase}/${trimmedPath}`;
}
