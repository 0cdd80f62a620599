CREATE TABLE `identities` (
	`id` text PRIMARY KEY NOT NULL,
	`schema_id` text NOT NULL,
	`state` text NOT NULL,
	`state_changed_at` integer,
	`traits` text NOT NULL,
	`metadata_public` text,
	`metadata_admin` text,
	`external_id` text,
	`verifiable_addresses` text DEFAULT '[]' NOT NULL,
	`recovery_addresses` text DEFAULT '[]' NOT NULL,
	`logins_count` integer DEFAULT 0 NOT NULL,
	`last_login_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `identities_external_id_idx` ON `identities` (`external_id`);--> statement-breakpoint
CREATE INDEX `identities_created_at_idx` ON `identities` (`created_at`);--> statement-breakpoint
CREATE TABLE `identity_credential_identifiers` (
	`type` text NOT NULL,
	`identifier` text NOT NULL,
	`identity_id` text NOT NULL,
	PRIMARY KEY(`type`, `identifier`),
	FOREIGN KEY (`identity_id`) REFERENCES `identities`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `identity_credential_identifiers_identity_idx` ON `identity_credential_identifiers` (`identity_id`);--> statement-breakpoint
CREATE TABLE `identity_credentials` (
	`identity_id` text NOT NULL,
	`type` text NOT NULL,
	`config` text NOT NULL,
	`version` integer DEFAULT 0 NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`identity_id`, `type`),
	FOREIGN KEY (`identity_id`) REFERENCES `identities`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `rate_limit_buckets` (
	`key` text NOT NULL,
	`bucket_start` integer NOT NULL,
	`count` integer NOT NULL,
	PRIMARY KEY(`key`, `bucket_start`)
);
--> statement-breakpoint
CREATE TABLE `selfservice_flows` (
	`id` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`type` text NOT NULL,
	`expires_at` integer NOT NULL,
	`issued_at` integer NOT NULL,
	`request_url` text NOT NULL,
	`return_to` text,
	`active` text,
	`state` text NOT NULL,
	`ui` text NOT NULL,
	`internal_context` text NOT NULL,
	`refresh` integer NOT NULL,
	`requested_aal` text NOT NULL,
	`identity_schema` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `selfservice_flows_expires_at_idx` ON `selfservice_flows` (`expires_at`);--> statement-breakpoint
CREATE TABLE `sessions` (
	`id` text PRIMARY KEY NOT NULL,
	`token_hash` text NOT NULL,
	`logout_token_hash` text NOT NULL,
	`identity_id` text NOT NULL,
	`active` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`authenticated_at` integer NOT NULL,
	`issued_at` integer NOT NULL,
	`aal` text NOT NULL,
	`authentication_methods` text NOT NULL,
	`devices` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`identity_id`) REFERENCES `identities`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `sessions_token_hash_idx` ON `sessions` (`token_hash`);--> statement-breakpoint
CREATE UNIQUE INDEX `sessions_logout_token_hash_idx` ON `sessions` (`logout_token_hash`);--> statement-breakpoint
CREATE INDEX `sessions_identity_idx` ON `sessions` (`identity_id`);