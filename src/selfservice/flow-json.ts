import type { Flow } from '../store/types.js';

/** Serializes flows with the keys, order and nulls of Kratos's login and registration flow JSON. */
export function flowToJson(flow: Flow): Record<string, unknown> {
  return flow.kind === 'login' ? loginFlowJson(flow) : registrationFlowJson(flow);
}

function loginFlowJson(flow: Flow): Record<string, unknown> {
  const json: Record<string, unknown> = {
    id: flow.id,
    organization_id: null,
    type: flow.type,
    expires_at: flow.expiresAt.toISOString(),
    issued_at: flow.issuedAt.toISOString(),
    request_url: flow.requestUrl,
  };
  if (flow.returnTo) json.return_to = flow.returnTo;
  if (flow.active) json.active = flow.active;
  json.ui = flow.ui;
  json.created_at = flow.createdAt.toISOString();
  json.updated_at = flow.updatedAt.toISOString();
  json.refresh = flow.refresh;
  json.requested_aal = flow.requestedAal;
  const exchange = flow.internalContext.session_token_exchange_code;
  if (typeof exchange === 'string') json.session_token_exchange_code = exchange;
  json.state = flow.state;
  return json;
}

function registrationFlowJson(flow: Flow): Record<string, unknown> {
  const json: Record<string, unknown> = {
    id: flow.id,
    type: flow.type,
    expires_at: flow.expiresAt.toISOString(),
    issued_at: flow.issuedAt.toISOString(),
    request_url: flow.requestUrl,
  };
  if (flow.returnTo) json.return_to = flow.returnTo;
  if (flow.active) json.active = flow.active;
  json.ui = flow.ui;
  json.organization_id = null;
  const exchange = flow.internalContext.session_token_exchange_code;
  if (typeof exchange === 'string') json.session_token_exchange_code = exchange;
  json.state = flow.state;
  return json;
}
