import { traitValue, type IdentitySchema, type TraitsIssue } from '../identity/identity-schemas.js';
import { csrfTokenOf, uiOf } from '../selfservice/flow-lifecycle.js';
import { addMessage, csrfNode, traitNodes } from '../selfservice/ui-nodes.js';
import { DuplicateCredentialIdentifierError } from '../store/errors.js';
import type { Flow, Identity, JsonObject } from '../store/types.js';
import { text } from '../text/messages.js';
import { startAccountLinking } from './account-linking.js';
import { endOnForm, endSignedIn, endWithDeferredRegistration, type AuthMethodRef } from './callback-endings.js';
import { DataMapperError, runDataMapper, type MappedIdentity } from './data-mapper.js';
import type { ConfiguredProvider } from './oidc-method.js';
import { providerLink } from './oidc-credential.js';
import type { CallbackOutcome } from './outcomes.js';
import { providerButton } from './provider-buttons.js';
import type { UpstreamCallbackContext } from './callback-context.js';
import { passwordIdentifiersOf, upstreamIdentity, type UpstreamRegistration } from './upstream-identity.js';
import { isObject } from '../json/is-object.js';

/**
 * A subject this provider has not brought before registers (Kratos's processRegistration): the data mapper turns
 * the claims into traits and metadata, typed traits (the "Continue" form, or an app's submit) fill what the
 * mapper left open, the schema validates them, and the identity is created with its `oidc` credential. An email
 * an existing account uses leads to account linking instead of a second account.
 *
 * On an API flow with typed traits the identity is not created here: the traits came from the app that started
 * the flow, but this callback runs in whatever browser opened the provider URL, signed in as whoever that is.
 * Writing the app's traits into that person's new account (say, an email that the app's user controls, for a
 * later recovery) would trust the flow's state without a binding to its owner. The registration is recorded in
 * the token exchange instead and created when the app redeems both codes, which proves that the app and the
 * browser are one party (pending-link.ts explains the same for links).
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
  const typed = ctx.pending.traits ?? {};
  const refusedFromMapper = new Set(deps.schemas.validateTraits(schema, mapped.traits).flatMap((issue) => (issue.node?.startsWith('traits.') ? [issue.node.slice('traits.'.length)] : [])));
  const traits = traitsWithTypedGaps(mapped.traits, typed, refusedFromMapper);
  const issues = deps.schemas.validateTraits(schema, traits);
  if (issues.length > 0) {
    showContinueForm(flow, provider, schema, traits, issues);
    return endOnForm(deps, flow);
  }

  const registration: UpstreamRegistration = {
    schema_id: schema.id,
    traits,
    ...(mapped.metadataPublic !== undefined ? { metadata_public: mapped.metadataPublic } : {}),
    ...(mapped.metadataAdmin !== undefined ? { metadata_admin: mapped.metadataAdmin } : {}),
    verified_addresses: mapped.verifiedAddresses,
    link: providerLink(provider.config.id, signIn.subject, signIn.tokens, ctx.method.cipher),
  };
  const identity = upstreamIdentity(deps, registration, deps.now());
  const methods: AuthMethodRef[] = [{ method: 'oidc', provider: provider.config.id }];
  const withSession = deps.config.selfservice.flows.registration.after.oidc.hooks.some((h) => h.hook === 'session');

  if (flow.type === 'api' && Object.keys(typed).length > 0) {
    const existing = await existingAccountOf(ctx, identity);
    if (existing) return startAccountLinking(deps, ctx.method, provider, flow, existing.identity, existing.identifier, registration.link);
    return endWithDeferredRegistration(deps, flow, registration, methods, withSession);
  }
  try {
    return await endSignedIn(deps, flow, identity, methods, ctx.request, { identityIsNew: true, withSession });
  } catch (error) {
    if (!(error instanceof DuplicateCredentialIdentifierError)) throw error;
  }
  const existing = await existingAccountOf(ctx, identity);
  if (existing) return startAccountLinking(deps, ctx.method, provider, flow, existing.identity, existing.identifier, registration.link);
  // The upstream account itself was registered meanwhile (a double submit): nothing to link, say it exists.
  ui.messages = [text.duplicateCredentials()];
  return endOnForm(deps, flow);
}

/** The existing account that already uses one of the new identity's password identifiers (its email), if any. */
async function existingAccountOf(ctx: UpstreamCallbackContext, identity: Identity): Promise<{ identity: Identity; identifier: string } | null> {
  for (const identifier of passwordIdentifiersOf(identity)) {
    const existing = await ctx.deps.store.findIdentityByCredentialIdentifier('password', identifier);
    if (existing && existing.id !== identity.id) return { identity: existing, identifier };
  }
  return null;
}

/**
 * Kratos's registration reset after schema-invalid traits (processRegistration in
 * https://github.com/ory/kratos/blob/master/selfservice/strategy/oidc/strategy_registration.go): the form becomes the CSRF token, every trait
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

/**
 * The mapper's traits with typed ones filling the gaps: a typed leaf is taken only where the mapper produced
 * nothing (or null), or where the schema refused the mapper's value (`refused`, dotted trait paths), which the
 * user must be able to correct. A value the mapper produced and the schema accepts is never replaced, so a
 * typed `traits.email` cannot stand in for the email the provider verified. Kratos merges the form over the
 * mapper (form.go); that is what let a typed address of someone else's account turn a registration into a
 * link request for that account. Objects merge recursively.
 */
export function traitsWithTypedGaps(mapped: JsonObject, typed: JsonObject, refused: ReadonlySet<string>, prefix = ''): JsonObject {
  const out: JsonObject = { ...mapped };
  for (const [key, value] of Object.entries(typed)) {
    const path = prefix ? `${prefix}.${key}` : key;
    const existing = out[key];
    if (existing === undefined || existing === null) out[key] = value;
    else if (isObject(existing)) {
      if (isObject(value)) out[key] = traitsWithTypedGaps(existing, value, refused, path);
    } else if (refused.has(path)) out[key] = value;
  }
  return out;
}
