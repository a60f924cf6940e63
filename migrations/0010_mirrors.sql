-- Mirrors (c2sp.org/tlog-mirror): per mirrored log its pending checkpoint, next entry and cosigned mirror checkpoint; the recent pending checkpoints; its tiles and entry bundles.
CREATE TABLE "mirror_bundles" (
	"origin" text NOT NULL,
	"bundle_index" bigint NOT NULL,
	"entry_count" smallint NOT NULL,
	"data" "bytea" NOT NULL,
	CONSTRAINT "mirror_bundles_origin_bundle_index_pk" PRIMARY KEY("origin","bundle_index"),
	CONSTRAINT "mirror_bundles_count" CHECK ("mirror_bundles"."entry_count" between 1 and 256)
);
--> statement-breakpoint
CREATE TABLE "mirror_logs" (
	"origin" text PRIMARY KEY NOT NULL,
	"pending_size" bigint NOT NULL,
	"pending_root" "bytea" NOT NULL,
	"pending_checkpoint" text NOT NULL,
	"next_entry" bigint DEFAULT 0 NOT NULL,
	"mirror_size" bigint,
	"mirror_root" "bytea",
	"mirror_checkpoint" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "mirror_logs_sizes" CHECK ("mirror_logs"."pending_size" >= 0 and "mirror_logs"."next_entry" >= 0 and ("mirror_logs"."mirror_size" is null or "mirror_logs"."mirror_size" <= "mirror_logs"."next_entry")),
	CONSTRAINT "mirror_logs_root_sizes" CHECK (length("mirror_logs"."pending_root") = 32 and ("mirror_logs"."mirror_root" is null or length("mirror_logs"."mirror_root") = 32))
);
--> statement-breakpoint
CREATE TABLE "mirror_pending" (
	"origin" text NOT NULL,
	"tree_size" bigint NOT NULL,
	"root_hash" "bytea" NOT NULL,
	"checkpoint" text NOT NULL,
	CONSTRAINT "mirror_pending_origin_tree_size_pk" PRIMARY KEY("origin","tree_size")
);
--> statement-breakpoint
CREATE TABLE "mirror_tiles" (
	"origin" text NOT NULL,
	"level" smallint NOT NULL,
	"tile_index" bigint NOT NULL,
	"data" "bytea" NOT NULL,
	CONSTRAINT "mirror_tiles_origin_level_tile_index_pk" PRIMARY KEY("origin","level","tile_index")
);
