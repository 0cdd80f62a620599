import { traitValue, type IdentitySchema, type TraitsIssue } from '../identity/identity-schemas.js';
import { newIdentity, passwordIdentifiers } from '../identity/new-identity.js';
import { normalizeIdentifier } from '../identity/normalize-identifier.js';
import { csrfTokenOf, uiOf } from '../selfservice/flow-lifecycle.js';
import { addMessage, csrfNode, traitNodes } from '../selfservice/ui-nodes.js';
import { DuplicateCredentialIdentifierError } from '../store/errors.js';
import type { Credential, Flow, Identity, JsonObject } from '../store/types.js';
import { text } from '../text/messages.js';
import { startAccountLinking } from './account-linking.js';
import { endOnForm, endSignedIn } from './callback-endings.js';
import { DataMapperError, runDataMapper, type MappedIdentity } from './data-mapper.js';
import type { ConfiguredProvider } from './oidc-method.js';
import { newOidcCredential, providerLink } from './oidc-credential.js';
import type { CallbackOutcome } from './outcomes.js';
import { providerButton } from './provider-buttons.js';
import type { UpstreamCallbackContext } from './callback-context.js';

/**
 * A subject this provider has not brought before registers (Kratos's processRegistration): the data mapper turns
 * the claims into traits and metadata, traits typed into the "Continue" form win over the mapper's, the schema
 * validates them, and the identity is created with its `oidc` credential. Trait identifiers (the email) also
 * become `password` identifiers without a password, as Kratos's schema extension makes them: that is what
 * detects an existing account with the same email, which leads to account linking instead of a second account.
 */
export async function registerUpstreamSubject(ctx: UpstreamCallbackContext, flow: Flow): Promise<CallbackOutcome> {
  const { deps, provider, signIn } = ctx;
  const ui = uiOf(flow);
  let mapped: MappedIdentity;
  try {
    mapped = await runDataMapper(ctx.method.evaluator, provider.mapper, signIn.claims);
  } catch (error) {
    if (!(error instanceof DataMapperError)) throw error;
    deps.logger.warn({ provider: provider.config.id, error: error.message }, 'OIDC data mapper failed');
    ui.messages = [text.generic(`Unable to complete OpenID Connect flow because the data mapper of "${provider.buttonLabel}" failed: ${error.message}`)];
    return endOnForm(deps, flow);
  }

  const schema = deps.schemas.getDefault();
  const traits = mergeTraits(mapped.traits, ctx.pending.traits ?? {});
  const issues = deps.schemas.validateTraits(schema, traits);
  if (issues.length > 0) {
    showContinueForm(flow, provider, schema, traits, issues);
    return endOnForm(deps, flow);
  }

  const now = deps.now();
  const link = providerLink(provider.config.id, signIn.subject, signIn.tokens, ctx.method.cipher);
  const identifiers = passwordIdentifiers(schema, traits);
  const credentials: Credential[] = [newOidcCredential(link, now)];
  // No hashed_password: a password sign-in to this identity fails like a wrong password would.
  if (identifiers.length > 0) credentials.push({ type: 'password', identifiers, config: {}, version: 0, createdAt: now, updatedAt: now });
  const identity = newIdentity({ schema, traits, now, metadataPublic: mapped.metadataPublic, metadataAdmin: mapped.metadataAdmin, credentials });
  markVerified(identity, mapped, now);

  try {
    return await endSignedIn(deps, flow, identity, [{ method: 'oidc', provider: provider.config.id }], ctx.request, {
      identityIsNew: true,
      withSession: deps.config.selfservice.flows.registration.after.oidc.hooks.some((h) => h.hook === 'session'),
    });
  } catch (error) {
    if (!(error instanceof DuplicateCredentialIdentifierError)) throw error;
  }
  for (const identifier of identifiers) {
    const existing = await deps.store.findIdentityByCredentialIdentifier('password', identifier);
    if (existing && existing.id !== identity.id) return startAccountLinking(deps, ctx.method, provider, flow, existing, identifier, link);
  }
  // The upstream account itself was registered meanwhile (a double submit): nothing to link, say it exists.
  ui.messages = [text.duplicateCredentials()];
  return endOnForm(deps, flow);
}

/**
 * Kratos's registration reset after schema-invalid traits (§3.5): the form becomes the CSRF token, every trait
 * field (prefilled with what the mapper produced, with the validation messages) and one "Continue" button for
 * the same provider. Submitting it goes upstream again, and the typed traits fill the gaps.
 */
function showContinueForm(flow: Flow, provider: ConfiguredProvider, schema: IdentitySchema, traits: JsonObject, issues: TraitsIssue[]): void {
  const ui = uiOf(flow);
  const nodes = [csrfNode(csrfTokenOf(flow) ?? ''), ...traitNodes(schema.fields), providerButton(provider, text.registrationContinue())];
  for (const node of nodes) {
    if (!node.attributes.name.startsWith('traits.')) continue;
    const value = traitValue(traits, node.attributes.name.slice('traits.'.length));
    if (value !== undefined && typeof value !== 'object') node.attributes.value = value;
  }
  ui.nodes = nodes;
  delete ui.messages;
  for (const issue of issues) addMessage(ui, issue.node, issue.message);
}

/** mergo-style override: the second argument's leaves win, objects merge recursively. */
export function mergeTraits(base: JsonObject, override: JsonObject): JsonObject {
  const out: JsonObject = { ...base };
  for (const [key, value] of Object.entries(override)) {
    const existing = out[key];
    out[key] = isObject(existing) && isObject(value) ? mergeTraits(existing, value) : value;
  }
  return out;
}

/** `verified_addresses` from the mapper count only for addresses the schema made verifiable. */
function markVerified(identity: Identity, mapped: MappedIdentity, now: Date): void {
  for (const verified of mapped.verifiedAddresses) {
    const value = normalizeIdentifier(verified.value);
    const address = identity.verifiableAddresses.find((a) => a.via === verified.via && a.value === value);
    if (!address) continue;
    address.verified = true;
    address.status = 'completed';
    address.verifiedAt = now;
  }
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
