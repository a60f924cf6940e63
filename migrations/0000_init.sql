CREATE TABLE "entries" (
	"leaf_index" bigint PRIMARY KEY NOT NULL,
	"leaf_hash" "bytea" NOT NULL,
	"data" "bytea" NOT NULL,
	"partner_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "entries_leaf_hash_size" CHECK (length("entries"."leaf_hash") = 32)
);
--> statement-breakpoint
CREATE TABLE "log_meta" (
	"id" smallint PRIMARY KEY DEFAULT 1 NOT NULL,
	"origin" text NOT NULL,
	"verifier_key" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "log_meta_single_row" CHECK ("log_meta"."id" = 1)
);
--> statement-breakpoint
CREATE TABLE "partners" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text,
	"token_hash" "bytea" NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"revoked_at" timestamp with time zone,
	CONSTRAINT "partners_token_hash_size" CHECK (length("partners"."token_hash") = 32)
);
--> statement-breakpoint
CREATE TABLE "tiles" (
	"level" smallint NOT NULL,
	"tile_index" bigint NOT NULL,
	"data" "bytea" NOT NULL,
	CONSTRAINT "tiles_pkey" PRIMARY KEY("level","tile_index"),
	CONSTRAINT "tiles_data_size" CHECK (length("tiles"."data") between 32 and 8192 and length("tiles"."data") % 32 = 0)
);
--> statement-breakpoint
CREATE TABLE "tree_head" (
	"id" smallint PRIMARY KEY DEFAULT 1 NOT NULL,
	"tree_size" bigint NOT NULL,
	"root_hash" "bytea" NOT NULL,
	"checkpoint" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "tree_head_single_row" CHECK ("tree_head"."id" = 1),
	CONSTRAINT "tree_head_root_hash_size" CHECK (length("tree_head"."root_hash") = 32)
);
--> statement-breakpoint
CREATE UNIQUE INDEX "entries_leaf_hash_key" ON "entries" USING btree ("leaf_hash");--> statement-breakpoint
CREATE UNIQUE INDEX "partners_token_hash_key" ON "partners" USING btree ("token_hash");