CREATE TABLE "callback_attempts" (
	"id" serial PRIMARY KEY NOT NULL,
	"case_id" integer NOT NULL,
	"offer_id" integer NOT NULL,
	"staff_id" integer NOT NULL,
	"number" text NOT NULL,
	"call_sid" text,
	"outcome" text DEFAULT 'dialling' NOT NULL,
	"answered_by" text,
	"counted" boolean DEFAULT true NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"placed_at" timestamp with time zone,
	"answered_at" timestamp with time zone,
	"ended_at" timestamp with time zone,
	"talk_seconds" real
);
--> statement-breakpoint
CREATE TABLE "outbound_pacing" (
	"id" integer PRIMARY KEY NOT NULL,
	"next_slot_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
DROP INDEX "offers_live_call_idx";--> statement-breakpoint
DROP INDEX "offers_live_agent_idx";--> statement-breakpoint
DROP INDEX "offers_due_idx";--> statement-breakpoint
ALTER TABLE "offers" ALTER COLUMN "call_sid" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "place_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "line_priority" integer;--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "dial_after" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "attempts" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "offers" ADD COLUMN "case_id" integer;--> statement-breakpoint
CREATE INDEX "callback_attempts_case_idx" ON "callback_attempts" USING btree ("case_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "callback_attempts_offer_idx" ON "callback_attempts" USING btree ("offer_id");--> statement-breakpoint
CREATE INDEX "callback_attempts_call_idx" ON "callback_attempts" USING btree ("call_sid");--> statement-breakpoint
CREATE INDEX "callback_attempts_started_idx" ON "callback_attempts" USING btree ("started_at");--> statement-breakpoint
CREATE INDEX "cases_callbacks_idx" ON "cases" USING btree ("line_priority" DESC NULLS LAST,"place_at") WHERE type = 'callback' and dial_after is not null and status not in ('resolved', 'closed');--> statement-breakpoint
CREATE UNIQUE INDEX "offers_live_case_idx" ON "offers" USING btree ("case_id") WHERE status in ('ringing', 'dialling', 'connected');--> statement-breakpoint
CREATE UNIQUE INDEX "offers_live_call_idx" ON "offers" USING btree ("call_sid") WHERE status in ('ringing', 'dialling', 'connected');--> statement-breakpoint
CREATE UNIQUE INDEX "offers_live_agent_idx" ON "offers" USING btree ("staff_id") WHERE status in ('ringing', 'dialling', 'connected');--> statement-breakpoint
CREATE INDEX "offers_due_idx" ON "offers" USING btree ("deadline_at") WHERE status in ('ringing', 'dialling');--> statement-breakpoint
-- Open callbacks made before callbacks were dialled join the line: one asked for in the queue where the
-- caller stood (their call's queued_at and priority), one promised for a time from shortly before that time.
UPDATE "cases" SET
	"place_at" = CASE WHEN "category" = 'promised-by-agent' THEN greatest("created_at", "due_at" - interval '5 minutes')
		ELSE coalesce((SELECT "queued_at" FROM "calls" WHERE "calls"."sid" = "cases"."call_sid"), "created_at") END,
	"line_priority" = coalesce((SELECT "priority" FROM "calls" WHERE "calls"."sid" = "cases"."call_sid"), 0),
	"dial_after" = CASE WHEN "category" = 'promised-by-agent' THEN greatest("created_at", "due_at" - interval '5 minutes') ELSE "created_at" END,
	-- One made without a queue waits in the general queue (the shipped flows' fallback).
	"queue" = coalesce(nullif("queue", ''), 'general')
WHERE "type" = 'callback' AND "status" NOT IN ('resolved', 'closed');
