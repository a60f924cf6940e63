CREATE TABLE "code_lists" (
	"sha256" "bytea" PRIMARY KEY NOT NULL,
	"body" text NOT NULL,
	"leaf_index" bigint NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "code_lists_sha256_size" CHECK (length("code_lists"."sha256") = 32)
);
--> statement-breakpoint
CREATE TABLE "entry_details" (
	"leaf_index" bigint PRIMARY KEY NOT NULL,
	"details" text NOT NULL,
	"opening" "bytea" NOT NULL,
	"reveal_hash" "bytea",
	CONSTRAINT "entry_details_opening_size" CHECK (length("entry_details"."opening") = 32),
	CONSTRAINT "entry_details_reveal_hash_size" CHECK ("entry_details"."reveal_hash" is null or length("entry_details"."reveal_hash") = 32)
);
--> statement-breakpoint
CREATE TABLE "erasures" (
	"target_index" bigint PRIMARY KEY NOT NULL,
	"erasure_index" bigint NOT NULL,
	CONSTRAINT "erasures_erasure_index_key" UNIQUE("erasure_index")
);
--> statement-breakpoint
CREATE TABLE "events" (
	"leaf_index" bigint PRIMARY KEY NOT NULL,
	"partner_id" text NOT NULL,
	"partner_seq" bigint NOT NULL,
	"event_hash" "bytea" NOT NULL,
	"type" text NOT NULL,
	"target" bigint,
	CONSTRAINT "events_event_hash_size" CHECK (length("events"."event_hash") = 32)
);
--> statement-breakpoint
CREATE TABLE "operators" (
	"id" text PRIMARY KEY NOT NULL,
	"token_hash" "bytea" NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"revoked_at" timestamp with time zone,
	CONSTRAINT "operators_token_hash_size" CHECK (length("operators"."token_hash") = 32)
);
--> statement-breakpoint
CREATE TABLE "subject_counters" (
	"counter_key" "bytea" PRIMARY KEY NOT NULL,
	"next" integer NOT NULL,
	CONSTRAINT "subject_counters_counter_key_size" CHECK (length("subject_counters"."counter_key") = 32),
	CONSTRAINT "subject_counters_next_positive" CHECK ("subject_counters"."next" > 0)
);
--> statement-breakpoint
CREATE TABLE "subject_tags" (
	"tag" "bytea" PRIMARY KEY NOT NULL,
	"leaf_index" bigint NOT NULL,
	CONSTRAINT "subject_tags_leaf_index_key" UNIQUE("leaf_index"),
	CONSTRAINT "subject_tags_tag_size" CHECK (length("subject_tags"."tag") = 32)
);
--> statement-breakpoint
ALTER TABLE "partners" ADD COLUMN "public_key" "bytea";--> statement-breakpoint
CREATE UNIQUE INDEX "events_partner_seq_key" ON "events" USING btree ("partner_id","partner_seq");--> statement-breakpoint
CREATE INDEX "events_target_idx" ON "events" USING btree ("target");--> statement-breakpoint
CREATE UNIQUE INDEX "operators_token_hash_key" ON "operators" USING btree ("token_hash");--> statement-breakpoint
ALTER TABLE "partners" ADD CONSTRAINT "partners_public_key_size" CHECK ("partners"."public_key" is null or length("partners"."public_key") = 32);