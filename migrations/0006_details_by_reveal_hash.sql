-- POST /v1/details finds entries by the SHA-256 of reveal tokens, never by index: both the live
-- details and the erasures (which keep the erased target's reveal hash) are looked up by it.
ALTER TABLE "erasures" ADD COLUMN "reveal_hash" "bytea";--> statement-breakpoint
CREATE INDEX "entry_details_reveal_hash_idx" ON "entry_details" USING btree ("reveal_hash");--> statement-breakpoint
CREATE INDEX "erasures_reveal_hash_idx" ON "erasures" USING btree ("reveal_hash");--> statement-breakpoint
ALTER TABLE "erasures" ADD CONSTRAINT "erasures_reveal_hash_size" CHECK ("erasures"."reveal_hash" is null or length("erasures"."reveal_hash") = 32);