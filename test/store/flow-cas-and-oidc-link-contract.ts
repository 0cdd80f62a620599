import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { DuplicateCredentialIdentifierError, FlowAlreadyCompletedError } from '../../src/store/errors.js';
import type { Store } from '../../src/store/store.js';
import type { Credential, Flow } from '../../src/store/types.js';
import { aFlow, anIdentity, aSession } from '../helpers/store-fixtures.js';
import type { StoreUnderTest } from './store-contract.js';

/**
 * The store operations that keep one-shot steps one-shot and linking narrow, on each dialect:
 * - `updateFlowIfUnchanged` and `FlowCompletion.expectedUpdatedAt`: compare-and-set on a flow's `updated_at`, so of
 *   concurrent requests acting on the same flow state (a pending sign-in, a token exchange) exactly one wins;
 * - `addOidcProviderLink`: adds one upstream account to an identity without rewriting anything else of it.
 */
const later = (flow: Flow, ms = 1): Date => new Date(flow.updatedAt.getTime() + ms);

const oidcCredential = (identifiers: string[], providers: Array<Record<string, string>>, at = new Date()): Credential => ({
  type: 'oidc',
  identifiers,
  config: { providers },
  version: 0,
  createdAt: at,
  updatedAt: at,
});

const entry = (provider: string, subject: string): { identifier: string; provider: { provider: string; subject: string; initial_access_token: string } } => ({
  identifier: `${provider}:${subject}`,
  provider: { provider, subject, initial_access_token: `sealed-${subject}` },
});

export function describeFlowCasAndOidcLinkContract(subject: StoreUnderTest): void {
  describe(`Store contract: flow compare-and-set, narrow oidc links (${subject.dialect})`, () => {
    let store: Store;
    before(async () => {
      store = await subject.openFresh();
    });
    after(async () => {
      await store.close();
    });

    describe('updateFlowIfUnchanged', () => {
      it('writes when updated_at is as read, and refuses (writing nothing) once another write came first', async () => {
        const flow = aFlow();
        await store.createFlow(flow);
        const first = { ...flow, internalContext: { step: 'first' }, updatedAt: later(flow) };
        assert.equal(await store.updateFlowIfUnchanged(first, flow.updatedAt), true);
        const stale = { ...flow, internalContext: { step: 'stale' }, updatedAt: later(flow, 2) };
        assert.equal(await store.updateFlowIfUnchanged(stale, flow.updatedAt), false);
        assert.deepEqual((await store.getFlow(flow.id))?.internalContext, { step: 'first' });
        assert.equal(await store.updateFlowIfUnchanged({ ...first, internalContext: { step: 'next' }, updatedAt: later(first) }, first.updatedAt), true);
        assert.equal(await store.updateFlowIfUnchanged({ ...aFlow(), updatedAt: later(flow) }, flow.updatedAt), false, 'an unknown flow');
      });

      it('lets exactly one of many concurrent writers from the same read win', async () => {
        const flow = aFlow();
        await store.createFlow(flow);
        const results = await Promise.all(Array.from({ length: 8 }, (_, i) => store.updateFlowIfUnchanged({ ...flow, internalContext: { winner: i }, updatedAt: later(flow) }, flow.updatedAt)));
        assert.equal(results.filter(Boolean).length, 1);
        assert.equal((await store.getFlow(flow.id))?.internalContext.winner, results.indexOf(true));
      });
    });

    describe('FlowCompletion.expectedUpdatedAt', () => {
      it('creates one session for concurrent completions of the same read, even of a flow completed before', async () => {
        const identity = anIdentity();
        await store.createIdentity(identity);
        const flow = aFlow({ state: 'passed_challenge' });
        await store.createFlow(flow);
        const sessions = [aSession(identity.id), aSession(identity.id), aSession(identity.id)];
        const outcomes = await Promise.allSettled(
          sessions.map((session) => store.createSession(session, { completeFlow: { flow: { ...flow, internalContext: { redeemed: session.id }, updatedAt: later(flow) }, expectedUpdatedAt: flow.updatedAt } })),
        );
        assert.deepEqual(outcomes.map((o) => o.status).sort(), ['fulfilled', 'rejected', 'rejected']);
        for (const o of outcomes) if (o.status === 'rejected') assert.ok(o.reason instanceof FlowAlreadyCompletedError);
        const stored = await Promise.all(sessions.map((s) => store.findSessionByTokenHash(s.tokenHash)));
        assert.equal(stored.filter((s) => s !== null).length, 1, 'the losers were rolled back');
        const winner = sessions[outcomes.findIndex((o) => o.status === 'fulfilled')];
        assert.deepEqual((await store.getFlow(flow.id))?.internalContext, { redeemed: winner?.id });
      });

      it('rolls a new identity back when the flow changed since it was read', async () => {
        const flow = aFlow({ kind: 'registration' });
        await store.createFlow(flow);
        await store.updateFlow({ ...flow, internalContext: { moved: true }, updatedAt: later(flow) });
        const identity = anIdentity();
        await assert.rejects(store.createIdentity(identity, { session: aSession(identity.id), completeFlow: { flow: { ...flow, updatedAt: later(flow, 2) }, expectedUpdatedAt: flow.updatedAt } }), FlowAlreadyCompletedError);
        assert.equal(await store.getIdentity(identity.id), null);
      });
    });

    describe('addOidcProviderLink', () => {
      it('adds the identifier and the provider entry, and keeps traits and state changed since the identity was read', async () => {
        const google = `one-${randomUUID()}`;
        const github = entry('github', `42-${randomUUID()}`);
        const base = anIdentity();
        const identity = { ...base, credentials: [...(base.credentials ?? []), oidcCredential([`google:${google}`], [{ provider: 'google', subject: google }])] };
        await store.createIdentity(identity);
        // An admin changes the identity after the link was decided on, before it is written.
        await store.updateIdentity({ ...identity, traits: { ...identity.traits, age: 99 }, state: 'inactive', credentials: undefined, updatedAt: new Date() });
        const at = new Date(Date.now() + 1000);
        assert.equal(await store.addOidcProviderLink(identity.id, github, at), true);

        const stored = await store.getIdentity(identity.id, { withCredentials: true });
        assert.equal(stored?.traits.age, 99, 'the admin change is kept');
        assert.equal(stored?.state, 'inactive');
        assert.equal(stored?.updatedAt.getTime(), at.getTime());
        const oidc = stored?.credentials?.find((c) => c.type === 'oidc');
        assert.deepEqual(oidc?.identifiers, [github.identifier, `google:${google}`]);
        assert.deepEqual(oidc?.config.providers, [{ provider: 'google', subject: google }, github.provider]);
        assert.deepEqual(stored?.credentials?.find((c) => c.type === 'password'), identity.credentials?.[0], 'other credentials untouched');
        assert.equal((await store.findIdentityByCredentialIdentifier('oidc', github.identifier))?.id, identity.id);
      });

      it('creates the oidc credential when the identity has none', async () => {
        const identity = anIdentity();
        await store.createIdentity(identity);
        const link = entry('test-op', `sub-${randomUUID()}`);
        assert.equal(await store.addOidcProviderLink(identity.id, link, new Date()), true);
        const oidc = (await store.getIdentity(identity.id, { withCredentials: true }))?.credentials?.find((c) => c.type === 'oidc');
        assert.deepEqual([oidc?.identifiers, oidc?.config, oidc?.version], [[link.identifier], { providers: [link.provider] }, 0]);
      });

      it('does nothing for an identifier the identity has, and refuses one of another identity, writing nothing', async () => {
        const [owner, other] = [anIdentity(), anIdentity()];
        await store.createIdentity(owner);
        await store.createIdentity(other);
        const link = entry('test-op', `taken-${randomUUID()}`);
        assert.equal(await store.addOidcProviderLink(owner.id, link, new Date()), true);
        assert.equal(await store.addOidcProviderLink(owner.id, link, new Date()), true, 'idempotent');
        assert.deepEqual((await store.getIdentity(owner.id, { withCredentials: true }))?.credentials?.find((c) => c.type === 'oidc')?.config.providers, [link.provider], 'not added twice');
        const refused = await store.addOidcProviderLink(other.id, link, new Date()).then(
          () => null,
          (error: unknown) => error,
        );
        assert.ok(refused instanceof DuplicateCredentialIdentifierError);
        assert.equal((await store.getIdentity(other.id, { withCredentials: true }))?.credentials?.some((c) => c.type === 'oidc'), false);
      });

      it('returns false for an identity that does not exist', async () => {
        assert.equal(await store.addOidcProviderLink(randomUUID(), entry('test-op', randomUUID()), new Date()), false);
        assert.equal(await store.addOidcProviderLink('\u0000', entry('test-op', randomUUID()), new Date()), false);
      });

      it('keeps every one of several links added to one identity at once', async () => {
        const identity = anIdentity();
        await store.createIdentity(identity);
        const links = Array.from({ length: 6 }, (_, i) => entry('test-op', `concurrent-${i}-${randomUUID()}`));
        await Promise.all(links.map((link) => store.addOidcProviderLink(identity.id, link, new Date())));
        const oidc = (await store.getIdentity(identity.id, { withCredentials: true }))?.credentials?.find((c) => c.type === 'oidc');
        assert.deepEqual([...(oidc?.identifiers ?? [])].sort(), links.map((l) => l.identifier).sort());
        assert.equal((oidc?.config.providers as unknown[]).length, links.length);
      });
    });
  });
}
