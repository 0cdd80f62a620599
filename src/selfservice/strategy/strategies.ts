import type { Deps } from '../../deps.js';
import { oidcStrategy } from './oidc/oidc-strategy.js';
import { passwordStrategy } from './password/password-strategy.js';
import type { Strategy } from './strategy.js';

/**
 * Every sign-in method Tessera has, in the order a submit asks them whether they are responsible. Each entry
 * returns its strategy when the configuration enables the method, or null. Adding a method is adding its folder
 * and one line here.
 */
const REGISTERED: ReadonlyArray<(deps: Omit<Deps, 'strategies'>) => Strategy | null> = [passwordStrategy, oidcStrategy];

/** The enabled strategies, built once at start (src/runtime/build-deps.ts). */
export function enabledStrategies(deps: Omit<Deps, 'strategies'>): Strategy[] {
  return REGISTERED.map((build) => build(deps)).filter((strategy): strategy is Strategy => strategy !== null);
}
