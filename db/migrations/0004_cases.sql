CREATE TABLE "case_calls" (
	"case_id" integer NOT NULL,
	"call_sid" text NOT NULL,
	"link" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	CONSTRAINT "case_calls_case_id_call_sid_pk" PRIMARY KEY("case_id","call_sid")
);
--> statement-breakpoint
CREATE TABLE "case_clocks" (
	"case_id" integer NOT NULL,
	"kind" text NOT NULL,
	"span" text NOT NULL,
	"working" boolean NOT NULL,
	"calendar" text NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"due_at" timestamp with time zone NOT NULL,
	"remind_at" timestamp with time zone NOT NULL,
	"manager_at" timestamp with time zone NOT NULL,
	"stage" integer DEFAULT 0 NOT NULL,
	"next_at" timestamp with time zone,
	"paused_at" timestamp with time zone,
	"met_at" timestamp with time zone,
	CONSTRAINT "case_clocks_case_id_kind_pk" PRIMARY KEY("case_id","kind")
);
--> statement-breakpoint
CREATE TABLE "case_events" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "case_events_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"case_id" integer NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"type" text NOT NULL,
	"actor_id" integer,
	"source" text NOT NULL,
	"data" jsonb DEFAULT '{}'::jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "cases" (
	"id" serial PRIMARY KEY NOT NULL,
	"reference" text NOT NULL,
	"type" text NOT NULL,
	"priority" text DEFAULT 'normal' NOT NULL,
	"status" text DEFAULT 'new' NOT NULL,
	"waiting_on" text,
	"channel" text NOT NULL,
	"passenger_name" text DEFAULT '' NOT NULL,
	"contact_number" text DEFAULT '' NOT NULL,
	"contact_key" text DEFAULT '' NOT NULL,
	"language" text NOT NULL,
	"train_number" text DEFAULT '' NOT NULL,
	"travel_date" date,
	"car" text DEFAULT '' NOT NULL,
	"seat" text DEFAULT '' NOT NULL,
	"category" text DEFAULT '' NOT NULL,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"owner_staff_id" integer,
	"owner_department" text,
	"supervisor_id" integer,
	"resolution" jsonb,
	"approved_by" integer,
	"extended" boolean DEFAULT false NOT NULL,
	"call_sid" text,
	"queue" text,
	"created_by" integer,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"resolved_at" timestamp with time zone,
	"closed_at" timestamp with time zone,
	"version" integer DEFAULT 0 NOT NULL,
	"due_at" timestamp with time zone,
	"stage" integer DEFAULT 0 NOT NULL,
	"paused" boolean DEFAULT false NOT NULL,
	CONSTRAINT "cases_reference_unique" UNIQUE("reference")
);
--> statement-breakpoint
CREATE TABLE "found_items" (
	"id" serial PRIMARY KEY NOT NULL,
	"train_number" text DEFAULT '' NOT NULL,
	"found_on" date NOT NULL,
	"car" text DEFAULT '' NOT NULL,
	"seat" text DEFAULT '' NOT NULL,
	"kind" text NOT NULL,
	"description" text NOT NULL,
	"kept_at" text NOT NULL,
	"case_id" integer,
	"recorded_by" integer NOT NULL,
	"recorded_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "callbacks" DISABLE ROW LEVEL SECURITY;--> statement-breakpoint
-- Today's callbacks become callback cases, keeping their ids (the notes point at them) and their due times.
-- Their references spell the id in the reference alphabet (no 0/O, 1/I/L): R + six characters.
INSERT INTO "cases" ("id", "reference", "type", "status", "channel", "contact_number", "contact_key", "language", "call_sid", "queue", "created_at", "updated_at", "resolved_at", "closed_at")
SELECT c."id", 'R' || translate(lpad(c."id"::text, 6, '0'), '0123456789', '23456789AB'), 'callback',
  CASE c."status" WHEN 'open' THEN 'new' WHEN 'done' THEN 'resolved' ELSE 'closed' END, 'phone', c."number",
  right(regexp_replace(c."number", '\D', '', 'g'), 8), c."language", c."call_sid", c."queue", c."requested_at", c."requested_at",
  CASE WHEN c."status" = 'done' THEN c."due_at" END, CASE WHEN c."status" = 'cancelled' THEN c."requested_at" END
FROM "callbacks" c;--> statement-breakpoint
SELECT setval(pg_get_serial_sequence('cases', 'id'), greatest((SELECT max("id") FROM "cases"), 1));--> statement-breakpoint
INSERT INTO "case_events" ("case_id", "at", "type", "source", "data")
SELECT "id", "created_at", 'created', 'ivr', jsonb_build_object('migratedFrom', 'callbacks') FROM "cases";--> statement-breakpoint
INSERT INTO "case_clocks" ("case_id", "kind", "span", "working", "calendar", "started_at", "due_at", "remind_at", "manager_at", "next_at")
SELECT c."id", 'resolve', 'as promised', false, 'hotline', c."requested_at", c."due_at", c."due_at", c."due_at" + (c."due_at" - c."requested_at") / 2, c."due_at"
FROM "callbacks" c WHERE c."status" = 'open';--> statement-breakpoint
UPDATE "cases" SET "due_at" = k."due_at" FROM "case_clocks" k WHERE k."case_id" = "cases"."id" AND k."met_at" IS NULL;--> statement-breakpoint
DROP TABLE "callbacks" CASCADE;--> statement-breakpoint
CREATE INDEX "case_calls_call_idx" ON "case_calls" USING btree ("call_sid");--> statement-breakpoint
CREATE INDEX "case_clocks_next_idx" ON "case_clocks" USING btree ("next_at") WHERE next_at is not null;--> statement-breakpoint
CREATE INDEX "case_clocks_met_idx" ON "case_clocks" USING btree ("met_at");--> statement-breakpoint
CREATE INDEX "case_clocks_due_idx" ON "case_clocks" USING btree ("due_at") WHERE met_at is null;--> statement-breakpoint
CREATE INDEX "case_events_case_idx" ON "case_events" USING btree ("case_id","id");--> statement-breakpoint
CREATE INDEX "cases_contact_idx" ON "cases" USING btree ("contact_key") WHERE status not in ('resolved', 'closed');--> statement-breakpoint
CREATE INDEX "cases_owner_idx" ON "cases" USING btree ("owner_staff_id","due_at") WHERE status not in ('resolved', 'closed');--> statement-breakpoint
CREATE INDEX "cases_board_idx" ON "cases" USING btree ("stage" DESC NULLS LAST,"due_at","id") WHERE status not in ('resolved', 'closed');--> statement-breakpoint
CREATE INDEX "cases_board_type_idx" ON "cases" USING btree ("type","stage" DESC NULLS LAST,"due_at","id") WHERE status not in ('resolved', 'closed');--> statement-breakpoint
CREATE INDEX "cases_call_idx" ON "cases" USING btree ("call_sid");--> statement-breakpoint
CREATE INDEX "cases_created_idx" ON "cases" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "cases_resolved_idx" ON "cases" USING btree ("resolved_at");--> statement-breakpoint
CREATE INDEX "found_items_train_idx" ON "found_items" USING btree ("train_number","found_on");--> statement-breakpoint
CREATE INDEX "found_items_found_idx" ON "found_items" USING btree ("found_on");--> statement-breakpoint
CREATE INDEX "calls_from_key_idx" ON "calls" USING btree (right(regexp_replace("from_number", '\D', '', 'g'), 8),"started_at");--> statement-breakpoint
ALTER TABLE "call_notes" RENAME COLUMN "callback_id" TO "callback_case_id";