-- The end of a temporal shard: once set, the log's head never moves again (every commit requires it null).
ALTER TABLE "tree_head" ADD COLUMN "read_only_at" timestamp with time zone;