CREATE TABLE "detail_keys" (
	"leaf_index" bigint PRIMARY KEY NOT NULL,
	"key" "bytea" NOT NULL,
	CONSTRAINT "detail_keys_key_size" CHECK (length("detail_keys"."key") = 32)
) PARTITION BY RANGE ("leaf_index");
--> statement-breakpoint
-- Partitions are made by the server (ensureKeyPartitions), each with statistics off for "key" too.
ALTER TABLE "detail_keys" ALTER COLUMN "key" SET STATISTICS 0;
--> statement-breakpoint
CREATE TABLE "erasure_state" (
	"id" smallint PRIMARY KEY DEFAULT 1 NOT NULL,
	"purged_through" bigint NOT NULL,
	"legacy_purged" boolean NOT NULL,
	CONSTRAINT "erasure_state_single_row" CHECK ("erasure_state"."id" = 1)
);
--> statement-breakpoint
-- Nothing purged yet: rows stored before details were sealed are sealed, and the tables rewritten, at the next start.
INSERT INTO "erasure_state" ("id", "purged_through", "legacy_purged") VALUES (1, -1, false);
--> statement-breakpoint
ALTER TABLE "entry_details" ALTER COLUMN "details" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "entry_details" ALTER COLUMN "opening" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "entry_details" ADD COLUMN "sealed" "bytea";--> statement-breakpoint
CREATE INDEX "entry_details_legacy_idx" ON "entry_details" USING btree ("leaf_index") WHERE "entry_details"."sealed" is null;--> statement-breakpoint
ALTER TABLE "entry_details" ADD CONSTRAINT "entry_details_sealed_or_legacy" CHECK (("entry_details"."sealed" is not null and "entry_details"."details" is null and "entry_details"."opening" is null) or ("entry_details"."sealed" is null and "entry_details"."details" is not null and "entry_details"."opening" is not null));--> statement-breakpoint
ALTER TABLE "entry_details" ADD CONSTRAINT "entry_details_sealed_size" CHECK (length("entry_details"."sealed") >= 61);