import type { Flow } from './flow.js';
import { maskCsrfToken } from './csrf-token.js';
import { flowToJson } from './flow-json.js';

/**
 * A flow as sent to a client. Browser flows get their `csrf_token` node freshly masked on every render (the
 * stored flow keeps the mask from its creation), so no two responses carry the same token bytes.
 */
export function presentFlow(flow: Flow, csrfCookieToken: string | null): Record<string, unknown> {
  const json = flowToJson(flow);
  if (flow.type !== 'browser' || !csrfCookieToken) return json;
  const ui = structuredClone(flow.ui);
  for (const node of ui.nodes) {
    if (node.attributes.name === 'csrf_token') node.attributes.value = maskCsrfToken(csrfCookieToken);
  }
  json.ui = ui;
  return json;
}
