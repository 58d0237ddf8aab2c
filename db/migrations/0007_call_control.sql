CREATE TABLE "monitors" (
	"id" serial PRIMARY KEY NOT NULL,
	"offer_id" integer NOT NULL,
	"supervisor_id" integer NOT NULL,
	"leg_sid" text,
	"mode" text NOT NULL,
	"status" text NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"ended_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "recordings" (
	"id" serial PRIMARY KEY NOT NULL,
	"call_sid" text NOT NULL,
	"offer_id" integer NOT NULL,
	"staff_id" integer NOT NULL,
	"queue" text NOT NULL,
	"carrier_sid" text,
	"status" text NOT NULL,
	"channels" text NOT NULL,
	"duration_seconds" integer,
	"carrier_url" text,
	"started_at" timestamp with time zone NOT NULL,
	"completed_at" timestamp with time zone,
	"delete_after" timestamp with time zone NOT NULL,
	"deleted_at" timestamp with time zone,
	"error" text
);
--> statement-breakpoint
ALTER TABLE "offers" ADD COLUMN "conference" text;--> statement-breakpoint
ALTER TABLE "offers" ADD COLUMN "conference_sid" text;--> statement-breakpoint
ALTER TABLE "offers" ADD COLUMN "agent_dialled_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "offers" ADD COLUMN "hold_started_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "offers" ADD COLUMN "hold_seconds" real DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "offers" ADD COLUMN "consult_staff_id" integer;--> statement-breakpoint
ALTER TABLE "offers" ADD COLUMN "consult_leg_sid" text;--> statement-breakpoint
ALTER TABLE "offers" ADD COLUMN "consult_status" text;--> statement-breakpoint
ALTER TABLE "offers" ADD COLUMN "consult_department" text;--> statement-breakpoint
ALTER TABLE "offers" ADD COLUMN "consult_blind" boolean DEFAULT false NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "monitors_live_supervisor_idx" ON "monitors" USING btree ("supervisor_id") WHERE status in ('dialling', 'on');--> statement-breakpoint
CREATE INDEX "monitors_offer_idx" ON "monitors" USING btree ("offer_id");--> statement-breakpoint
CREATE UNIQUE INDEX "recordings_offer_idx" ON "recordings" USING btree ("offer_id");--> statement-breakpoint
CREATE INDEX "recordings_call_idx" ON "recordings" USING btree ("call_sid");--> statement-breakpoint
CREATE INDEX "recordings_staff_idx" ON "recordings" USING btree ("staff_id","started_at");--> statement-breakpoint
CREATE INDEX "recordings_due_idx" ON "recordings" USING btree ("delete_after") WHERE deleted_at is null;