-- tessera:no-transaction
-- Built CONCURRENTLY, outside a transaction, so that instances still serving keep writing sessions meanwhile
-- (src/store/postgres/migrate-under-lock.ts). Deployments that applied the earlier, plain CREATE INDEX of this
-- migration keep that index and their recorded hash: applied migrations are never run again.
CREATE INDEX CONCURRENTLY IF NOT EXISTS "sessions_created_at_idx" ON "sessions" USING btree ("created_at","id");
