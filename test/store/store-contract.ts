import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { DuplicateCredentialIdentifierError, DuplicateExternalIdError, DuplicateIdError, FlowAlreadyCompletedError } from '../../src/store/errors.js';
import { bucketStartOf } from '../../src/selfservice/sliding-window.js';
import type { Store } from '../../src/store/store.js';
import type { Flow } from '../../src/selfservice/flow.js';
import type { Identity } from '../../src/identity/identity.js';
import type { NewSession, Session } from '../../src/session/session.js';
import { aFlow, anIdentity, aPasswordCredential, aSession, identifierOf, withoutCredentials } from '../helpers/store-fixtures.js';

/**
 * The behaviour every Store implementation must have, run against each dialect (test/store/*-store.test.ts).
 * Most tests share one store and use unique records; the few that look at a whole table get a fresh store.
 */
export interface StoreUnderTest {
  dialect: Store['dialect'];
  /** Opens a store on a new, empty, migrated database. */
  openFresh(): Promise<Store>;
}

/** What a session looks like when read back: the stored secrets' hashes are never returned. */
function asRead(session: NewSession): Session {
  const { tokenHash: _tokenHash, logoutTokenHash: _logoutTokenHash, ...read } = session;
  return read;
}

async function rejectsWith(promise: Promise<unknown>, type: new (...args: never[]) => Error): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof type, `expected ${type.name}, got ${String(error)}`);
    return error;
  }
  assert.fail(`expected ${type.name}`);
}

export function describeStoreContract(subject: StoreUnderTest): void {
  describe(`Store contract (${subject.dialect})`, () => {
    let store: Store;
    const opened: Store[] = [];
    const fresh = async (): Promise<Store> => {
      const s = await subject.openFresh();
      opened.push(s);
      return s;
    };
    before(async () => {
      store = await fresh();
    });
    after(async () => {
      for (const s of opened) await s.close();
    });

    describe('lifecycle', () => {
      it('reports its dialect, answers ping, and migrates again without effect', async () => {
        assert.equal(store.dialect, subject.dialect);
        await store.ping();
        const identity = anIdentity();
        await store.createIdentity(identity);
        await store.migrate();
        await store.migrate();
        assert.deepEqual(await store.getIdentity(identity.id), withoutCredentials(identity));
      });

      it('can be closed twice', async () => {
        const s = await subject.openFresh();
        await s.close();
        await s.close();
      });
    });

    describe('createIdentity / getIdentity', () => {
      it('round-trips every field: JSON traits and metadata, addresses with dates, null metadata', async () => {
        const identity = anIdentity({ metadataAdmin: { notes: ['x', { deep: true }], n: 1.5 }, externalId: `ext-${randomUUID()}`, traits: { email: 'ünïcødé+😀@example.org', nested: { a: [1, null, 'z'] } } });
        await store.createIdentity(identity);
        assert.deepEqual(await store.getIdentity(identity.id), withoutCredentials(identity));
        assert.deepEqual(await store.getIdentity(identity.id, { withCredentials: true }), identity);
        const bare = anIdentity({ metadataPublic: null, metadataAdmin: null, verifiableAddresses: [], recoveryAddresses: [], stateChangedAt: null });
        await store.createIdentity(bare);
        assert.deepEqual(await store.getIdentity(bare.id), withoutCredentials(bare));
      });

      it('keeps millisecond timestamps exactly', async () => {
        const at = new Date(Date.UTC(2031, 0, 2, 3, 4, 5, 678));
        const identity = anIdentity({ createdAt: at, updatedAt: new Date(at.getTime() + 1), stateChangedAt: new Date(at.getTime() + 999) });
        await store.createIdentity(identity);
        const read = await store.getIdentity(identity.id);
        assert.equal(read?.createdAt.getTime(), at.getTime());
        assert.equal(read?.updatedAt.getTime(), at.getTime() + 1);
        assert.equal(read?.stateChangedAt?.getTime(), at.getTime() + 999);
      });

      it('returns null for unknown ids, including ones no database could store', async () => {
        assert.equal(await store.getIdentity(randomUUID()), null);
        assert.equal(await store.getIdentity('nul\u0000id'), null);
        assert.equal(await store.getIdentityByExternalId('nul\u0000id'), null);
        assert.equal(await store.findIdentityByCredentialIdentifier('password', 'a\u0000@example.org'), null);
      });

      it('returns credentials with identifiers in order, per type', async () => {
        const at = new Date();
        const identity = anIdentity({
          credentials: [
            aPasswordCredential([`zed-${randomUUID()}`, `alpha-${randomUUID()}`], at),
            { type: 'oidc', identifiers: [`google:${randomUUID()}`], config: { providers: [{ provider: 'google', subject: 's' }] }, version: 0, createdAt: at, updatedAt: at },
          ],
        });
        await store.createIdentity(identity);
        const read = await store.getIdentity(identity.id, { withCredentials: true });
        const password = read?.credentials?.find((c) => c.type === 'password');
        assert.deepEqual(password?.identifiers, [...(identity.credentials?.[0]?.identifiers ?? [])].sort());
        assert.deepEqual(read?.credentials?.find((c) => c.type === 'oidc'), identity.credentials?.[1]);
      });

      it('creates the first session with the identity and counts it as a login', async () => {
        const identity = anIdentity();
        const session = aSession(identity.id);
        await store.createIdentity(identity, { session });
        const found = await store.findSessionByTokenHash(session.tokenHash);
        assert.deepEqual(found, { ...asRead(session), identity: { ...withoutCredentials(identity), loginsCount: 1, lastLoginAt: session.authenticatedAt } });
      });

      it('refuses a taken identifier with DuplicateCredentialIdentifierError naming it, and writes nothing', async () => {
        const first = anIdentity();
        await store.createIdentity(first);
        const freeIdentifier = `free-${randomUUID()}@example.org`;
        const second = anIdentity({ credentials: [aPasswordCredential([freeIdentifier, identifierOf(first)])] });
        const session = aSession(second.id);
        const error = await rejectsWith(store.createIdentity(second, { session }), DuplicateCredentialIdentifierError);
        assert.equal((error as DuplicateCredentialIdentifierError).identifier, identifierOf(first));
        assert.equal(await store.getIdentity(second.id), null);
        assert.equal(await store.findIdentityByCredentialIdentifier('password', freeIdentifier), null);
        assert.equal(await store.findSessionByTokenHash(session.tokenHash), null);
      });

      it('refuses the same identifier twice within one identity', async () => {
        const identifier = `twice-${randomUUID()}`;
        const identity = anIdentity({ credentials: [aPasswordCredential([identifier, identifier])] });
        await rejectsWith(store.createIdentity(identity), DuplicateCredentialIdentifierError);
        assert.equal(await store.getIdentity(identity.id), null);
      });

      it('allows one identifier under different credential types', async () => {
        const identifier = `shared-${randomUUID()}`;
        const at = new Date();
        await store.createIdentity(anIdentity({ credentials: [aPasswordCredential([identifier], at)] }));
        const other = anIdentity({ credentials: [{ type: 'oidc', identifiers: [identifier], config: {}, version: 0, createdAt: at, updatedAt: at }] });
        await store.createIdentity(other);
        assert.equal((await store.findIdentityByCredentialIdentifier('oidc', identifier))?.id, other.id);
      });

      it('refuses a taken external_id with DuplicateExternalIdError, and allows many identities without one', async () => {
        const externalId = `ext-${randomUUID()}`;
        await store.createIdentity(anIdentity({ externalId }));
        const clash = anIdentity({ externalId });
        await rejectsWith(store.createIdentity(clash), DuplicateExternalIdError);
        assert.equal(await store.findIdentityByCredentialIdentifier('password', identifierOf(clash)), null);
        await store.createIdentity(anIdentity({ externalId: null }));
        await store.createIdentity(anIdentity({ externalId: null }));
      });

      it('refuses a taken id with DuplicateIdError', async () => {
        const first = anIdentity();
        await store.createIdentity(first);
        await rejectsWith(store.createIdentity(anIdentity({ id: first.id })), DuplicateIdError);
        assert.deepEqual(await store.getIdentity(first.id), withoutCredentials(first));
      });

      it('lets exactly one of several concurrent registrations of one identifier win', async () => {
        const identifier = `race-${randomUUID()}@example.org`;
        const contenders = Array.from({ length: 6 }, () => anIdentity({ credentials: [aPasswordCredential([identifier])] }));
        const results = await Promise.allSettled(contenders.map((identity) => store.createIdentity(identity, { session: aSession(identity.id) })));
        assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
        for (const result of results) if (result.status === 'rejected') assert.ok(result.reason instanceof DuplicateCredentialIdentifierError, String(result.reason));
        const winner = contenders[results.findIndex((r) => r.status === 'fulfilled')];
        assert.equal((await store.findIdentityByCredentialIdentifier('password', identifier))?.id, winner?.id);
        const stored = await Promise.all(contenders.map((c) => store.getIdentity(c.id)));
        assert.equal(stored.filter(Boolean).length, 1, 'the losers left no identity behind');
      });

      it('rolls the identity back when its session cannot be stored', async () => {
        const holder = anIdentity();
        const taken = aSession(holder.id);
        await store.createIdentity(holder, { session: taken });
        const identity = anIdentity();
        await assert.rejects(store.createIdentity(identity, { session: aSession(identity.id, { tokenHash: taken.tokenHash }) }));
        assert.equal(await store.getIdentity(identity.id), null);
        assert.equal(await store.findIdentityByCredentialIdentifier('password', identifierOf(identity)), null);
      });
    });

    describe('importIdentities', () => {
      it('creates new identities and skips conflicts with the reason, in order, without writing the skipped ones', async () => {
        const existing = anIdentity({ externalId: `ext-${randomUUID()}` });
        await store.createIdentity(existing);
        const fine = anIdentity();
        const sameId = anIdentity({ id: existing.id });
        const sameExternalId = anIdentity({ externalId: existing.externalId });
        const sameIdentifier = anIdentity({ credentials: [aPasswordCredential([identifierOf(existing)])] });
        const inBatchTwin = anIdentity({ credentials: [aPasswordCredential([identifierOf(fine)])] });
        const alsoFine = anIdentity();
        const outcomes = await store.importIdentities([fine, sameId, sameExternalId, sameIdentifier, inBatchTwin, alsoFine]);
        assert.deepEqual(outcomes, [
          { id: fine.id, status: 'created' },
          { id: existing.id, status: 'skipped', reason: 'an identity with this id exists' },
          { id: sameExternalId.id, status: 'skipped', reason: 'an identity with this external_id exists' },
          { id: sameIdentifier.id, status: 'skipped', reason: `identifier ${identifierOf(existing)} exists` },
          { id: inBatchTwin.id, status: 'skipped', reason: `identifier ${identifierOf(fine)} exists` },
          { id: alsoFine.id, status: 'created' },
        ]);
        assert.deepEqual(await store.getIdentity(fine.id, { withCredentials: true }), fine);
        assert.deepEqual(await store.getIdentity(alsoFine.id, { withCredentials: true }), alsoFine);
        assert.deepEqual(await store.getIdentity(existing.id), withoutCredentials(existing));
        for (const skipped of [sameExternalId, sameIdentifier, inBatchTwin]) assert.equal(await store.getIdentity(skipped.id), null);
      });

      it('skips an identity that repeats an identifier of its own, leaving nothing of it behind', async () => {
        const identifier = `twice-${randomUUID()}`;
        const other = `other-${randomUUID()}`;
        const malformed = anIdentity({ credentials: [aPasswordCredential([other, identifier, identifier])] });
        const fine = anIdentity();
        assert.deepEqual(await store.importIdentities([malformed, fine]), [
          { id: malformed.id, status: 'skipped', reason: `identifier ${identifier} exists` },
          { id: fine.id, status: 'created' },
        ]);
        assert.equal(await store.getIdentity(malformed.id), null);
        assert.equal(await store.findIdentityByCredentialIdentifier('password', other), null);
        assert.deepEqual(await store.getIdentity(fine.id, { withCredentials: true }), fine);
      });

      it('accepts an empty batch', async () => {
        assert.deepEqual(await store.importIdentities([]), []);
      });
    });

    describe('lookups', () => {
      it('finds an identity by external id, with credentials only when asked', async () => {
        const identity = anIdentity({ externalId: `ext-${randomUUID()}` });
        await store.createIdentity(identity);
        assert.deepEqual(await store.getIdentityByExternalId(identity.externalId ?? ''), withoutCredentials(identity));
        assert.deepEqual(await store.getIdentityByExternalId(identity.externalId ?? '', { withCredentials: true }), identity);
        assert.equal(await store.getIdentityByExternalId(`ext-${randomUUID()}`), null);
      });

      it('finds an identity by credential identifier and type, with its credentials', async () => {
        const identity = anIdentity();
        await store.createIdentity(identity);
        assert.deepEqual(await store.findIdentityByCredentialIdentifier('password', identifierOf(identity)), identity);
        assert.equal(await store.findIdentityByCredentialIdentifier('oidc', identifierOf(identity)), null);
        assert.equal(await store.findIdentityByCredentialIdentifier('password', identifierOf(identity).toUpperCase()), null, 'identifiers are compared exactly (they are stored normalized)');
      });
    });

    describe('listIdentities / countIdentities', () => {
      let own: Store;
      let all: Identity[];
      before(async () => {
        own = await fresh();
        // Ids in byte order differ from most locales' order: pages must follow byte order on every database.
        const ids = ['b-2', 'B_1', 'a-1', 'a_1', 'A1', 'a1', 'Z', '_x', '0-9'];
        all = ids.map((id) => anIdentity({ id }));
        for (const identity of all) await own.createIdentity(identity);
        all.sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
      });

      it('counts identities', async () => {
        assert.equal(await own.countIdentities(), all.length);
      });

      it('pages through every identity in byte order of id with a keyset cursor', async () => {
        const seen: string[] = [];
        let after: string | undefined;
        for (;;) {
          const page = await own.listIdentities({ pageSize: 4, after });
          assert.ok(page.length <= 4);
          seen.push(...page.map((i) => i.id));
          if (page.length < 4) break;
          after = page[page.length - 1]?.id;
        }
        assert.deepEqual(seen, all.map((i) => i.id));
        assert.deepEqual(await own.listIdentities({ pageSize: 10, after: all[all.length - 1]?.id }), []);
      });

      it('filters by ids (an empty list matches nothing) and returns identities without credentials unless asked', async () => {
        const wanted = [all[3], all[1]].map((i) => i?.id ?? '');
        const page = await own.listIdentities({ pageSize: 10, ids: [...wanted, 'unknown', 'nul\u0000'] });
        assert.deepEqual(
          page.map((i) => i.id),
          [...wanted].sort(),
        );
        assert.equal(page[0]?.credentials, undefined);
        assert.deepEqual(await own.listIdentities({ pageSize: 10, ids: [] }), []);
        const withCredentials = await own.listIdentities({ pageSize: 10, ids: wanted, withCredentials: true });
        assert.deepEqual(
          withCredentials,
          all.filter((i) => wanted.includes(i.id)),
        );
      });

      it('filters by exact credential identifiers, each of its own type', async () => {
        const target = all[4] as Identity;
        const password = (identifier: string) => ({ type: 'password' as const, identifier });
        assert.deepEqual(await own.listIdentities({ pageSize: 10, credentialIdentifiers: [password(identifierOf(target))], withCredentials: true }), [target]);
        assert.deepEqual(await own.listIdentities({ pageSize: 10, credentialIdentifiers: [password('nobody@example.org')] }), []);
        assert.deepEqual(await own.listIdentities({ pageSize: 10, credentialIdentifiers: [{ type: 'oidc', identifier: identifierOf(target) }] }), [], 'the type is part of the match');
        assert.deepEqual(await own.listIdentities({ pageSize: 10, credentialIdentifiers: [] }), []);
        const either = await own.listIdentities({ pageSize: 10, credentialIdentifiers: [password(identifierOf(all[1] as Identity)), password(identifierOf(target)), password('x\u0000y')] });
        assert.deepEqual(
          either.map((i) => i.id),
          [(all[1] as Identity).id, target.id].sort(),
        );
      });
    });

    describe('updateIdentity / updateCredentialConfig / deleteIdentity', () => {
      it('replaces the mutable fields and keeps id, created_at and the login counters', async () => {
        const identity = anIdentity();
        await store.createIdentity(identity, { session: aSession(identity.id) });
        const changedAt = new Date(identity.updatedAt.getTime() + 5_000);
        const updated: Identity = {
          ...identity,
          state: 'inactive',
          stateChangedAt: changedAt,
          traits: { email: identifierOf(identity), name: 'Changed' },
          metadataPublic: null,
          metadataAdmin: { reviewed: true },
          externalId: `ext-${randomUUID()}`,
          loginsCount: 99,
          lastLoginAt: null,
          createdAt: new Date(0),
          updatedAt: changedAt,
          credentials: undefined,
        };
        await store.updateIdentity(updated);
        const read = await store.getIdentity(identity.id, { withCredentials: true });
        assert.deepEqual(read, { ...updated, loginsCount: 1, lastLoginAt: read?.lastLoginAt, createdAt: identity.createdAt, credentials: identity.credentials });
        assert.ok(read?.lastLoginAt instanceof Date);
      });

      it('replaces credentials when given, freeing the old identifiers', async () => {
        const identity = anIdentity();
        await store.createIdentity(identity);
        const replacement = aPasswordCredential([`new-${randomUUID()}`]);
        await store.updateIdentity({ ...identity, credentials: [replacement] });
        assert.deepEqual((await store.getIdentity(identity.id, { withCredentials: true }))?.credentials, [replacement]);
        assert.equal(await store.findIdentityByCredentialIdentifier('password', identifierOf(identity)), null);
        await store.createIdentity(anIdentity({ credentials: [aPasswordCredential([identifierOf(identity)])] }));
      });

      it('changes nothing when the new credentials or external_id conflict', async () => {
        const other = anIdentity({ externalId: `ext-${randomUUID()}` });
        const identity = anIdentity();
        await store.createIdentity(other);
        await store.createIdentity(identity);
        await rejectsWith(
          store.updateIdentity({ ...identity, traits: { email: 'changed' }, credentials: [aPasswordCredential([`mine-${randomUUID()}`, identifierOf(other)])] }),
          DuplicateCredentialIdentifierError,
        );
        await rejectsWith(store.updateIdentity({ ...identity, traits: { email: 'changed' }, externalId: other.externalId }), DuplicateExternalIdError);
        assert.deepEqual(await store.getIdentity(identity.id, { withCredentials: true }), identity);
      });

      it('replaces one credential config', async () => {
        const identity = anIdentity();
        await store.createIdentity(identity);
        await store.updateCredentialConfig(identity.id, 'password', { hashed_password: 'rehashed' });
        const credential = (await store.getIdentity(identity.id, { withCredentials: true }))?.credentials?.[0];
        assert.deepEqual(credential?.config, { hashed_password: 'rehashed' });
        assert.deepEqual(credential?.identifiers, identity.credentials?.[0]?.identifiers);
        assert.ok((credential?.updatedAt.getTime() ?? 0) >= (identity.credentials?.[0]?.updatedAt.getTime() ?? Infinity));
      });

      it('deletes an identity with its credentials and sessions', async () => {
        const identity = anIdentity();
        const session = aSession(identity.id);
        await store.createIdentity(identity, { session });
        assert.equal(await store.deleteIdentity(identity.id), true);
        assert.equal(await store.deleteIdentity(identity.id), false);
        assert.equal(await store.getIdentity(identity.id), null);
        assert.equal(await store.findSessionByTokenHash(session.tokenHash), null);
        assert.equal(await store.getSession(session.id), null);
        assert.equal(await store.findIdentityByCredentialIdentifier('password', identifierOf(identity)), null);
        await store.createIdentity(anIdentity({ credentials: [aPasswordCredential([identifierOf(identity)])] }));
        assert.equal(await store.deleteIdentity('nul\u0000'), false);
      });
    });

    describe('sessions', () => {
      let identity: Identity;
      before(async () => {
        identity = anIdentity();
        await store.createIdentity(identity);
      });

      it('stores a session, counting it as a login by default and not when told', async () => {
        const first = aSession(identity.id, { authenticatedAt: new Date(Date.now() - 10_000) });
        await store.createSession(first);
        const second = aSession(identity.id);
        await store.createSession(second, { countsAsLogin: false });
        const read = await store.getIdentity(identity.id);
        assert.equal(read?.loginsCount, 1);
        assert.equal(read?.lastLoginAt?.getTime(), first.authenticatedAt.getTime());
        await store.createSession(aSession(identity.id), { countsAsLogin: true });
        assert.equal((await store.getIdentity(identity.id))?.loginsCount, 2);
      });

      it('finds a session by token hash with its identity (never its credentials), by logout token hash, and by id', async () => {
        const session = aSession(identity.id);
        await store.createSession(session, { countsAsLogin: false });
        const found = await store.findSessionByTokenHash(session.tokenHash);
        assert.deepEqual(found && { ...found, identity: undefined }, { ...asRead(session), identity: undefined });
        assert.equal(found?.identity.id, identity.id);
        assert.equal(found?.identity.credentials, undefined);
        assert.deepEqual(found?.identity.traits, identity.traits);
        assert.deepEqual(await store.findSessionByLogoutTokenHash(session.logoutTokenHash), asRead(session));
        assert.deepEqual(await store.getSession(session.id), found);
        assert.equal(await store.findSessionByTokenHash(`token-${randomUUID()}`), null);
        assert.equal(await store.findSessionByTokenHash(session.logoutTokenHash), null, 'a logout token is not a session token');
        assert.equal(await store.findSessionByLogoutTokenHash(session.tokenHash), null);
        assert.equal(await store.getSession(randomUUID()), null);
      });

      it('shows a revocation on the very next lookup', async () => {
        const session = aSession(identity.id);
        await store.createSession(session);
        assert.equal((await store.findSessionByTokenHash(session.tokenHash))?.active, true);
        assert.equal(await store.revokeSession(session.id), true);
        const revoked = await store.findSessionByTokenHash(session.tokenHash);
        assert.equal(revoked?.active, false);
        assert.ok((revoked?.updatedAt.getTime() ?? 0) >= session.updatedAt.getTime());
        assert.equal(await store.revokeSession(randomUUID()), false);
      });

      it('shows an identity disabled after the session was issued on the very next lookup', async () => {
        const owner = anIdentity();
        const session = aSession(owner.id);
        await store.createIdentity(owner, { session });
        await store.updateIdentity({ ...owner, state: 'inactive', stateChangedAt: new Date() });
        assert.equal((await store.findSessionByTokenHash(session.tokenHash))?.identity.state, 'inactive');
      });

      it('extends a session', async () => {
        const session = aSession(identity.id);
        await store.createSession(session);
        const later = new Date(session.expiresAt.getTime() + 86_400_000);
        assert.equal(await store.extendSession(session.id, later), true);
        assert.equal((await store.getSession(session.id))?.expiresAt.getTime(), later.getTime());
        assert.equal(await store.extendSession(randomUUID(), later), false);
      });

      it('deletes all sessions of an identity and says how many', async () => {
        const owner = anIdentity();
        await store.createIdentity(owner);
        const sessions = [aSession(owner.id), aSession(owner.id), aSession(owner.id)];
        for (const session of sessions) await store.createSession(session);
        assert.equal(await store.deleteIdentitySessions(owner.id), 3);
        assert.equal(await store.deleteIdentitySessions(owner.id), 0);
        for (const session of sessions) assert.equal(await store.findSessionByTokenHash(session.tokenHash), null);
        assert.ok(await store.getSession((await store.listSessions({ pageSize: 1, identityId: identity.id }))[0]?.id ?? ''), 'other identities keep theirs');
      });

      it('refuses a session for an unknown identity and writes nothing', async () => {
        const session = aSession(randomUUID());
        await assert.rejects(store.createSession(session));
        assert.equal(await store.getSession(session.id), null);
      });
    });

    describe('listSessions', () => {
      let own: Store;
      let alice: Identity;
      let bob: Identity;
      let usable: NewSession[];
      let unusable: NewSession[];
      before(async () => {
        own = await fresh();
        alice = anIdentity();
        bob = anIdentity();
        await own.createIdentity(alice);
        await own.createIdentity(bob);
        usable = [aSession(alice.id), aSession(alice.id), aSession(alice.id)];
        const revoked = aSession(alice.id);
        const expired = aSession(alice.id, { expiresAt: new Date(Date.now() - 1_000) });
        const ofDisabled = aSession(bob.id);
        unusable = [revoked, expired, ofDisabled];
        for (const session of [...usable, ...unusable]) await own.createSession(session);
        await own.revokeSession(revoked.id);
        await own.updateIdentity({ ...bob, state: 'inactive' });
      });
      const idsOf = (list: Array<{ id: string }>): string[] => list.map((s) => s.id);
      // Kratos lists sessions newest first; ties on created_at are broken by id.
      const sortedIds = (list: Array<{ id: string; createdAt: Date }>): string[] =>
        [...list].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map((s) => s.id);

      it('pages through all sessions newest first with a (created_at, id) cursor', async () => {
        const first = await own.listSessions({ pageSize: 4 });
        const last = first[first.length - 1];
        const second = await own.listSessions({ pageSize: 4, after: last ? { createdAt: last.createdAt, id: last.id } : undefined });
        assert.deepEqual([...idsOf(first), ...idsOf(second)], sortedIds([...usable, ...unusable]));
        assert.equal(second.length, 2);
        const byOffset = await own.listSessions({ pageSize: 4, offset: 4 });
        assert.deepEqual(idsOf(byOffset), idsOf(second));
      });

      it('counts sessions with the same filters', async () => {
        assert.equal(await own.countSessions({}), 6);
        assert.equal(await own.countSessions({ active: true }), 3);
        assert.equal(await own.countSessions({ active: false, identityId: alice.id }), 2);
        assert.equal(await own.countSessions({ identityId: bob.id }), 1);
      });

      it('filters by identity and by activity (active, unexpired, identity active)', async () => {
        assert.deepEqual(idsOf(await own.listSessions({ pageSize: 10, identityId: bob.id })), idsOf(unusable.slice(2)));
        assert.deepEqual(idsOf(await own.listSessions({ pageSize: 10, active: true })), sortedIds(usable));
        assert.deepEqual(idsOf(await own.listSessions({ pageSize: 10, active: false })), sortedIds(unusable));
        assert.deepEqual(idsOf(await own.listSessions({ pageSize: 10, active: false, identityId: alice.id })), sortedIds(unusable.slice(0, 2)));
      });

      it('includes identities only when asked', async () => {
        const [plain] = await own.listSessions({ pageSize: 1, identityId: alice.id });
        assert.equal('identity' in (plain ?? {}), false);
        const [withIdentity] = await own.listSessions({ pageSize: 1, identityId: alice.id, withIdentity: true });
        assert.deepEqual((withIdentity as { identity?: Identity } | undefined)?.identity, await own.getIdentity(alice.id));
      });
    });

    describe('flows', () => {
      it('stores, reads and updates a flow, keeping its creation time', async () => {
        const flow = aFlow({ returnTo: 'https://app.example.org/after', identitySchema: 'default', refresh: true, requestedAal: 'aal2' });
        await store.createFlow(flow);
        assert.deepEqual(await store.getFlow(flow.id), flow);
        const updated = { ...flow, active: 'password', state: 'passed_challenge', ui: { ...flow.ui, messages: [{ id: 4000006, type: 'error' as const, text: 'x' }] }, internalContext: {}, createdAt: new Date(0), updatedAt: new Date() };
        await store.updateFlow(updated);
        assert.deepEqual(await store.getFlow(flow.id), { ...updated, createdAt: flow.createdAt });
        assert.equal(await store.getFlow(randomUUID()), null);
      });

      it('completes a flow together with a session only once, rolling the loser back', async () => {
        const identity = anIdentity();
        await store.createIdentity(identity);
        const flow = aFlow();
        await store.createFlow(flow);
        const completed = { ...flow, state: 'passed_challenge', active: 'password', updatedAt: new Date() };
        const [first, second] = [aSession(identity.id), aSession(identity.id)];
        const outcomes = await Promise.allSettled([
          store.createSession(first, { completeFlow: { flow: completed } }),
          store.createSession(second, { completeFlow: { flow: completed } }),
        ]);
        assert.deepEqual(outcomes.map((o) => o.status).sort(), ['fulfilled', 'rejected']);
        const rejected = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
        assert.ok(rejected?.reason instanceof FlowAlreadyCompletedError);
        const stored = [await store.findSessionByTokenHash(first.tokenHash), await store.findSessionByTokenHash(second.tokenHash)];
        assert.equal(stored.filter((s) => s !== null).length, 1, 'the losing session was rolled back');
        assert.equal((await store.getFlow(flow.id))?.state, 'passed_challenge');
      });

      it('completes a flow together with a new identity, and rolls the identity back when the flow was completed', async () => {
        const flow = aFlow({ kind: 'registration' });
        await store.createFlow(flow);
        const completed = { ...flow, state: 'passed_challenge', active: 'password', updatedAt: new Date() };
        const winner = anIdentity();
        await store.createIdentity(winner, { completeFlow: { flow: completed } });
        const loser = anIdentity();
        await assert.rejects(store.createIdentity(loser, { session: aSession(loser.id), completeFlow: { flow: completed } }), FlowAlreadyCompletedError);
        assert.equal(await store.getIdentity(loser.id), null);
      });

      it('does not let a stale save reopen a completed flow', async () => {
        const flow = aFlow();
        await store.createFlow(flow);
        await store.updateFlow({ ...flow, state: 'passed_challenge', active: 'password' });
        await store.updateFlow({ ...flow, ui: { ...flow.ui, messages: [{ id: 4000006, type: 'error', text: 'late loser' }] } });
        const stored = await store.getFlow(flow.id);
        assert.equal(stored?.state, 'passed_challenge');
        assert.equal(stored?.active, 'password');
        // A write that keeps it completed (e.g. a token-exchange record) still goes through.
        await store.updateFlow({ ...flow, state: 'passed_challenge', internalContext: { note: 'kept' } });
        assert.deepEqual((await store.getFlow(flow.id))?.internalContext, { note: 'kept' });
      });

    });

    describe('deleteExpired', () => {
      it('deletes flows that expired at or before a time, in batches of at most the limit, oldest first', async () => {
        const own = await fresh();
        const now = Date.now();
        const old = [aFlow({ expiresAt: new Date(now - 60_000) }), aFlow({ expiresAt: new Date(now - 30_000) }), aFlow({ expiresAt: new Date(now) })];
        const current = aFlow({ expiresAt: new Date(now + 1) });
        for (const flow of [...old, current]) await own.createFlow(flow);
        assert.equal(await own.deleteExpired('flows', new Date(now), 2), 2);
        assert.equal(await own.getFlow((old[0] as Flow).id), null, 'the oldest go first');
        assert.equal(await own.getFlow((old[1] as Flow).id), null);
        assert.ok(await own.getFlow((old[2] as Flow).id), 'the batch stopped at the limit');
        assert.equal(await own.deleteExpired('flows', new Date(now), 2), 1);
        assert.equal(await own.deleteExpired('flows', new Date(now), 2), 0);
        assert.deepEqual(await own.getFlow(current.id), current);
      });

      it('deletes sessions that expired, active or not, and keeps the rest and their identities', async () => {
        const own = await fresh();
        const now = Date.now();
        const identity = anIdentity();
        await own.createIdentity(identity);
        const expired = [aSession(identity.id, { expiresAt: new Date(now - 1) }), aSession(identity.id, { expiresAt: new Date(now - 86_400_000), active: false })];
        const live = aSession(identity.id, { expiresAt: new Date(now + 60_000) });
        for (const session of [...expired, live]) await own.createSession(session, { countsAsLogin: false });
        assert.equal(await own.deleteExpired('sessions', new Date(now), 100), 2);
        for (const session of expired) assert.equal(await own.getSession(session.id), null);
        assert.equal(await own.findSessionByTokenHash(expired[0]?.tokenHash ?? ''), null, 'not even from a cache');
        assert.equal((await own.getSession(live.id))?.id, live.id);
        assert.ok(await own.getIdentity(identity.id));
      });

      it('deletes rate-limit buckets that started at or before a time', async () => {
        const own = await fresh();
        const windowMs = 60_000;
        const t0 = bucketStartOf(Date.UTC(2030, 5, 1, 12, 0, 0), windowMs);
        for (const key of ['a', 'b', 'c']) await own.hitRateLimit(key, windowMs, new Date(t0 + 1_000));
        await own.hitRateLimit('a', windowMs, new Date(t0 + windowMs + 1_000));
        assert.equal(await own.deleteExpired('rate_limit_buckets', new Date(t0), 2), 2);
        assert.equal(await own.deleteExpired('rate_limit_buckets', new Date(t0), 2), 1);
        assert.equal(await own.deleteExpired('rate_limit_buckets', new Date(t0), 2), 0);
        // The newer bucket of `a` is still counted: 50% of... nothing before it, plus this hit.
        assert.equal(await own.hitRateLimit('a', windowMs, new Date(t0 + windowMs + 2_000)), 2);
      });

      it('lets several cleaners run at once, each row deleted exactly once', async () => {
        const own = await fresh();
        const now = Date.now();
        for (let i = 0; i < 40; i++) await own.createFlow(aFlow({ expiresAt: new Date(now - 1000 - i) }));
        const cleaner = async (): Promise<number> => {
          let total = 0;
          for (let n = -1; n !== 0; total += n) n = await own.deleteExpired('flows', new Date(now), 3);
          return total;
        };
        const totals = await Promise.all([cleaner(), cleaner(), cleaner()]);
        assert.equal(totals.reduce((a, b) => a + b, 0), 40);
        assert.equal(await own.deleteExpired('flows', new Date(now), 100), 0);
      });
    });

    describe('hitRateLimit', () => {
      const windowMs = 60_000;
      const t0 = bucketStartOf(Date.UTC(2030, 5, 1, 12, 0, 0), windowMs);
      const at = (ms: number): Date => new Date(t0 + ms);

      it('counts hits in the current bucket', async () => {
        const key = `login:${randomUUID()}`;
        assert.deepEqual([await store.hitRateLimit(key, windowMs, at(1_000)), await store.hitRateLimit(key, windowMs, at(2_000)), await store.hitRateLimit(key, windowMs, at(59_999))], [1, 2, 3]);
      });

      it('weighs the previous bucket by the share of it still inside the window, and forgets older ones', async () => {
        const key = `login:${randomUUID()}`;
        for (let i = 0; i < 4; i++) await store.hitRateLimit(key, windowMs, at(10_000));
        // 25% into the next bucket: 75% of the previous 4 hits (3) plus this one.
        assert.equal(await store.hitRateLimit(key, windowMs, at(windowMs + 15_000)), 4);
        assert.equal(await store.hitRateLimit(key, windowMs, at(windowMs + 15_000)), 5);
        // Halfway through the bucket after: half of the previous bucket's 2 hits plus this one; the first bucket
        // is out of the window.
        assert.equal(await store.hitRateLimit(key, windowMs, at(2 * windowMs + 30_000)), 2);
        // A gap longer than a whole window: only this hit counts.
        assert.equal(await store.hitRateLimit(key, windowMs, at(10 * windowMs)), 1);
      });

      it('keeps keys and window lengths apart', async () => {
        const a = `ip:${randomUUID()}`;
        const b = `ip:${randomUUID()}`;
        await store.hitRateLimit(a, windowMs, at(0));
        await store.hitRateLimit(a, windowMs, at(0));
        assert.equal(await store.hitRateLimit(b, windowMs, at(0)), 1);
        assert.equal(await store.hitRateLimit(a, windowMs, at(1)), 3);
        assert.equal(await store.hitRateLimit(`${a}:short`, 1_000, at(1)), 1);
      });

      it('reads the count without adding a hit', async () => {
        const key = `peek:${randomUUID()}`;
        assert.equal(await store.countRateLimit(key, windowMs, at(1_000)), 0);
        for (let i = 0; i < 4; i++) await store.hitRateLimit(key, windowMs, at(10_000));
        assert.equal(await store.countRateLimit(key, windowMs, at(20_000)), 4);
        assert.equal(await store.countRateLimit(key, windowMs, at(20_000)), 4, 'reading twice changes nothing');
        // The same sliding estimate as a hit: 25% into the next bucket, 75% of the previous 4.
        assert.equal(await store.countRateLimit(key, windowMs, at(windowMs + 15_000)), 3);
        assert.equal(await store.hitRateLimit(key, windowMs, at(windowMs + 15_000)), 4);
      });

      it('refunds a hit in the bucket it was counted in, never below zero', async () => {
        const key = `refund:${randomUUID()}`;
        for (let i = 0; i < 3; i++) await store.hitRateLimit(key, windowMs, at(10_000));
        await store.refundRateLimit(key, windowMs, at(10_000));
        assert.equal(await store.countRateLimit(key, windowMs, at(20_000)), 2);
        // Refunded after the bucket rolled over: the previous bucket loses the hit, the current one is untouched.
        await store.hitRateLimit(key, windowMs, at(windowMs + 1_000));
        await store.refundRateLimit(key, windowMs, at(10_000));
        // At the very start of the new bucket the previous one still counts in full: 1 left there, 1 here.
        assert.equal(await store.countRateLimit(key, windowMs, at(windowMs)), 2);
        for (let i = 0; i < 5; i++) await store.refundRateLimit(key, windowMs, at(10_000));
        assert.equal(await store.countRateLimit(key, windowMs, at(windowMs)), 1, 'the previous bucket stops at zero; the current keeps its hit');
        await store.refundRateLimit(`never-hit:${randomUUID()}`, windowMs, at(0));
      });

      it('counts concurrent hits exactly: each sees its own increment', async () => {
        const key = `burst:${randomUUID()}`;
        const counts = await Promise.all(Array.from({ length: 40 }, () => store.hitRateLimit(key, windowMs, at(5_000))));
        assert.deepEqual(
          [...counts].sort((x, y) => x - y),
          Array.from({ length: 40 }, (_, i) => i + 1),
        );
      });
    });
  });
}
