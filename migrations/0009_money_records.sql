-- Public-money records: one row per record entry, a body's keys unique, what names a record by target, a type in log order; auditors, who may have sealed values opened.
CREATE TABLE "auditors" (
	"id" text PRIMARY KEY NOT NULL,
	"token_hash" "bytea" NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"revoked_at" timestamp with time zone,
	CONSTRAINT "auditors_token_hash_size" CHECK (length("auditors"."token_hash") = 32)
);
--> statement-breakpoint
CREATE TABLE "money_records" (
	"leaf_index" bigint PRIMARY KEY NOT NULL,
	"partner_id" text NOT NULL,
	"dedup_key" text NOT NULL,
	"content_hash" "bytea" NOT NULL,
	"record_type" text NOT NULL,
	"record_key" text,
	"target" bigint,
	"record_day" text,
	CONSTRAINT "money_records_content_hash_size" CHECK (length("money_records"."content_hash") = 32)
);
--> statement-breakpoint
CREATE UNIQUE INDEX "auditors_token_hash_key" ON "auditors" USING btree ("token_hash");--> statement-breakpoint
CREATE UNIQUE INDEX "money_records_partner_key" ON "money_records" USING btree ("partner_id","dedup_key");--> statement-breakpoint
CREATE INDEX "money_records_target_idx" ON "money_records" USING btree ("target","record_type","leaf_index");--> statement-breakpoint
CREATE INDEX "money_records_type_idx" ON "money_records" USING btree ("partner_id","record_type","leaf_index");