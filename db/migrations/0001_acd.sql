CREATE TABLE "agents" (
	"staff_id" integer PRIMARY KEY NOT NULL,
	"presence" text DEFAULT 'offline' NOT NULL,
	"break_reason" text,
	"since" timestamp with time zone DEFAULT now() NOT NULL,
	"idle_since" timestamp with time zone,
	"wrap_up_until" timestamp with time zone,
	"gone_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "callbacks" (
	"id" serial PRIMARY KEY NOT NULL,
	"call_sid" text,
	"number" text NOT NULL,
	"queue" text NOT NULL,
	"language" text NOT NULL,
	"requested_at" timestamp with time zone NOT NULL,
	"due_at" timestamp with time zone NOT NULL,
	"status" text DEFAULT 'open' NOT NULL
);
--> statement-breakpoint
CREATE TABLE "offers" (
	"id" serial PRIMARY KEY NOT NULL,
	"call_sid" text NOT NULL,
	"staff_id" integer NOT NULL,
	"queue" text NOT NULL,
	"status" text NOT NULL,
	"offered_at" timestamp with time zone NOT NULL,
	"deadline_at" timestamp with time zone,
	"leg_sid" text,
	"ring_started_at" timestamp with time zone,
	"answered_at" timestamp with time zone,
	"ended_at" timestamp with time zone,
	"ring_seconds" real,
	"rings" integer,
	"within_standard" boolean,
	"end_reason" text
);
--> statement-breakpoint
CREATE TABLE "sessions" (
	"token_hash" text PRIMARY KEY NOT NULL,
	"staff_id" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "staff" (
	"id" serial PRIMARY KEY NOT NULL,
	"employee_no" text NOT NULL,
	"name" text NOT NULL,
	"role" text NOT NULL,
	"skills" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"password_hash" text NOT NULL,
	"disabled" boolean DEFAULT false NOT NULL,
	"failed_logins" integer DEFAULT 0 NOT NULL,
	"locked_until" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "staff_employee_no_unique" UNIQUE("employee_no")
);
--> statement-breakpoint
ALTER TABLE "calls" ADD COLUMN "agent_id" integer;--> statement-breakpoint
ALTER TABLE "calls" ADD COLUMN "answered_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "agents_available_idx" ON "agents" USING btree ("idle_since") WHERE presence = 'available';--> statement-breakpoint
CREATE INDEX "callbacks_due_idx" ON "callbacks" USING btree ("due_at") WHERE status = 'open';--> statement-breakpoint
CREATE UNIQUE INDEX "offers_live_call_idx" ON "offers" USING btree ("call_sid") WHERE status in ('ringing', 'connected');--> statement-breakpoint
CREATE UNIQUE INDEX "offers_live_agent_idx" ON "offers" USING btree ("staff_id") WHERE status in ('ringing', 'connected');--> statement-breakpoint
CREATE INDEX "offers_due_idx" ON "offers" USING btree ("deadline_at") WHERE status = 'ringing';--> statement-breakpoint
CREATE INDEX "offers_offered_idx" ON "offers" USING btree ("offered_at");--> statement-breakpoint
CREATE INDEX "offers_queue_ended_idx" ON "offers" USING btree ("queue","ended_at") WHERE status = 'completed';--> statement-breakpoint
CREATE INDEX "calls_waiting_idx" ON "calls" USING btree ("priority","queued_at") WHERE status = 'queued';--> statement-breakpoint
CREATE INDEX "calls_from_idx" ON "calls" USING btree ("from_number","started_at");--> statement-breakpoint
CREATE INDEX "calls_queued_at_idx" ON "calls" USING btree ("queued_at");--> statement-breakpoint
CREATE INDEX "calls_queue_answered_idx" ON "calls" USING btree ("queue","answered_at");