CREATE TABLE "tag_key_checks" (
	"year" text PRIMARY KEY NOT NULL,
	"check" "bytea" NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "tag_key_checks_check_size" CHECK (length("tag_key_checks"."check") = 32)
);
