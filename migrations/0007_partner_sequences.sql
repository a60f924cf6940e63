-- GET /v1/partners/{id}/sequence reads these instead of scanning every event of the partner.
CREATE TABLE "partner_sequence_gaps" (
	"partner_id" text NOT NULL,
	"gap_from" bigint NOT NULL,
	"gap_to" bigint NOT NULL,
	CONSTRAINT "partner_sequence_gaps_pkey" PRIMARY KEY("partner_id","gap_from"),
	CONSTRAINT "partner_sequence_gaps_range" CHECK ("partner_sequence_gaps"."gap_from" >= 1 and "partner_sequence_gaps"."gap_to" >= "partner_sequence_gaps"."gap_from")
);
--> statement-breakpoint
CREATE TABLE "partner_sequences" (
	"partner_id" text PRIMARY KEY NOT NULL,
	"last" bigint NOT NULL,
	"count" bigint NOT NULL
);
--> statement-breakpoint
-- Filled once from the events already stored; from now on each commit keeps them.
INSERT INTO "partner_sequences" ("partner_id", "last", "count")
	SELECT "partner_id", max("partner_seq"), count(*) FROM "events" GROUP BY "partner_id";--> statement-breakpoint
INSERT INTO "partner_sequence_gaps" ("partner_id", "gap_from", "gap_to")
	SELECT "partner_id", "prev" + 1, "n" - 1 FROM (
		SELECT "partner_id", "partner_seq" AS "n", lag("partner_seq", 1, 0::bigint) OVER (PARTITION BY "partner_id" ORDER BY "partner_seq") AS "prev" FROM "events"
	) AS "s" WHERE "n" > "prev" + 1;
