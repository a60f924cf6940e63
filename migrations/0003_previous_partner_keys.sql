CREATE TABLE "previous_partner_keys" (
	"partner_id" text NOT NULL,
	"public_key" "bytea" NOT NULL,
	"replaced_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "previous_partner_keys_pkey" PRIMARY KEY("partner_id","public_key"),
	CONSTRAINT "previous_partner_keys_public_key_size" CHECK (length("previous_partner_keys"."public_key") = 32)
);
