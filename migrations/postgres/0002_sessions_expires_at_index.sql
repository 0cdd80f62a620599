-- tessera:no-transaction
-- Built CONCURRENTLY, outside a transaction, so that instances still serving keep writing sessions meanwhile
-- (src/store/postgres/migrate-under-lock.ts).
CREATE INDEX CONCURRENTLY IF NOT EXISTS "sessions_expires_at_idx" ON "sessions" USING btree ("expires_at");
