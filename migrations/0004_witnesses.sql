CREATE TABLE "witness_state" (
	"origin" text PRIMARY KEY NOT NULL,
	"tree_size" bigint NOT NULL,
	"root_hash" "bytea" NOT NULL,
	"checkpoint" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "witness_state_root_hash_size" CHECK (length("witness_state"."root_hash") = 32),
	CONSTRAINT "witness_state_tree_size" CHECK ("witness_state"."tree_size" >= 0)
);
--> statement-breakpoint
CREATE TABLE "witnessed_checkpoints" (
	"tree_size" bigint PRIMARY KEY NOT NULL,
	"root_hash" "bytea" NOT NULL,
	"checkpoint" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "witnessed_checkpoints_root_hash_size" CHECK (length("witnessed_checkpoints"."root_hash") = 32)
);
