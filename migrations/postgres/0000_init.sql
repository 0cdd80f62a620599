CREATE TABLE "identities" (
	"id" text COLLATE "C" PRIMARY KEY NOT NULL,
	"schema_id" text NOT NULL,
	"state" text NOT NULL,
	"state_changed_at" timestamp with time zone,
	"traits" jsonb NOT NULL,
	"metadata_public" jsonb,
	"metadata_admin" jsonb,
	"external_id" text,
	"verifiable_addresses" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"recovery_addresses" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"logins_count" integer DEFAULT 0 NOT NULL,
	"last_login_at" timestamp with time zone,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "identity_credential_identifiers" (
	"type" text NOT NULL,
	"identifier" text COLLATE "C" NOT NULL,
	"identity_id" text COLLATE "C" NOT NULL,
	CONSTRAINT "identity_credential_identifiers_type_identifier_pk" PRIMARY KEY("type","identifier")
);
--> statement-breakpoint
CREATE TABLE "identity_credentials" (
	"identity_id" text COLLATE "C" NOT NULL,
	"type" text NOT NULL,
	"config" jsonb NOT NULL,
	"version" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "identity_credentials_identity_id_type_pk" PRIMARY KEY("identity_id","type")
);
--> statement-breakpoint
CREATE TABLE "rate_limit_buckets" (
	"key" text NOT NULL,
	"bucket_start" bigint NOT NULL,
	"count" integer NOT NULL,
	CONSTRAINT "rate_limit_buckets_key_bucket_start_pk" PRIMARY KEY("key","bucket_start")
);
--> statement-breakpoint
CREATE TABLE "selfservice_flows" (
	"id" text COLLATE "C" PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"type" text NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"issued_at" timestamp with time zone NOT NULL,
	"request_url" text NOT NULL,
	"return_to" text,
	"active" text,
	"state" text NOT NULL,
	"ui" jsonb NOT NULL,
	"internal_context" jsonb NOT NULL,
	"refresh" boolean NOT NULL,
	"requested_aal" text NOT NULL,
	"identity_schema" text,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sessions" (
	"id" text COLLATE "C" PRIMARY KEY NOT NULL,
	"token_hash" text COLLATE "C" NOT NULL,
	"logout_token_hash" text COLLATE "C" NOT NULL,
	"identity_id" text COLLATE "C" NOT NULL,
	"active" boolean NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"authenticated_at" timestamp with time zone NOT NULL,
	"issued_at" timestamp with time zone NOT NULL,
	"aal" text NOT NULL,
	"authentication_methods" jsonb NOT NULL,
	"devices" jsonb NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "identity_credential_identifiers" ADD CONSTRAINT "identity_credential_identifiers_identity_id_identities_id_fk" FOREIGN KEY ("identity_id") REFERENCES "identities"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "identity_credentials" ADD CONSTRAINT "identity_credentials_identity_id_identities_id_fk" FOREIGN KEY ("identity_id") REFERENCES "identities"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_identity_id_identities_id_fk" FOREIGN KEY ("identity_id") REFERENCES "identities"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "identities_external_id_idx" ON "identities" USING btree ("external_id");--> statement-breakpoint
CREATE INDEX "identities_created_at_idx" ON "identities" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "identity_credential_identifiers_identity_idx" ON "identity_credential_identifiers" USING btree ("identity_id");--> statement-breakpoint
CREATE INDEX "selfservice_flows_expires_at_idx" ON "selfservice_flows" USING btree ("expires_at");--> statement-breakpoint
CREATE UNIQUE INDEX "sessions_token_hash_idx" ON "sessions" USING btree ("token_hash");--> statement-breakpoint
CREATE UNIQUE INDEX "sessions_logout_token_hash_idx" ON "sessions" USING btree ("logout_token_hash");--> statement-breakpoint
CREATE INDEX "sessions_identity_idx" ON "sessions" USING btree ("identity_id");