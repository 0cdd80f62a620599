import { defineConfig } from 'drizzle-kit';

// `npm run db:generate:postgres -- --name <what>` writes migrations/postgres/NNNN_<what>.sql. drizzle-kit writes
// foreign keys as REFERENCES "public"."table": drop the "public". qualifier in the generated SQL (as in
// 0000_init.sql) so that Tessera's tables can live in any schema chosen with search_path (docs/deployment.md).
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/store/postgres/schema.ts',
  out: './migrations/postgres',
});
