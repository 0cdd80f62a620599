import type { Deps } from '../deps.js';

/**
 * What building an identity from an admin body or an import record needs. Narrower than Deps so that the
 * `tessera import` command can build identities without starting the HTTP runtime.
 */
export type IdentityBuildDeps = Pick<Deps, 'schemas' | 'hasher' | 'now'>;
