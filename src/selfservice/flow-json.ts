import type { Flow } from './flow.js';

/**
 * Serializes flows with the keys, order and nulls of Kratos's login and registration flow JSON.
 * `sessionTokenExchangeCode` is given only when answering the API flow init that created it: as in Kratos it is
 * not part of the stored flow (only its hash is, src/selfservice/strategy/oidc/token-exchange.ts), so no later read reveals it.
 */
export interface FlowJsonExtras {
  sessionTokenExchangeCode?: string;
}

export function flowToJson(flow: Flow, extras: FlowJsonExtras = {}): Record<string, unknown> {
  const login = flow.kind === 'login';
  // The two kinds share their members but not their order: login has organization_id second and carries
  // created_at/updated_at/refresh/requested_aal after `ui`; registration has organization_id after `ui`.
  const json: Record<string, unknown> = { id: flow.id };
  if (login) json.organization_id = null;
  json.type = flow.type;
  json.expires_at = flow.expiresAt.toISOString();
  json.issued_at = flow.issuedAt.toISOString();
  json.request_url = flow.requestUrl;
  if (flow.returnTo) json.return_to = flow.returnTo;
  if (flow.active) json.active = flow.active;
  json.ui = flow.ui;
  if (login) {
    json.created_at = flow.createdAt.toISOString();
    json.updated_at = flow.updatedAt.toISOString();
    json.refresh = flow.refresh;
    json.requested_aal = flow.requestedAal;
  } else {
    json.organization_id = null;
  }
  if (extras.sessionTokenExchangeCode) json.session_token_exchange_code = extras.sessionTokenExchangeCode;
  json.state = flow.state;
  return json;
}
