CREATE TABLE "call_events" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "call_events_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"call_sid" text NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"type" text NOT NULL,
	"data" jsonb DEFAULT '{}'::jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "call_replies" (
	"call_sid" text NOT NULL,
	"seq" integer NOT NULL,
	"twiml" text NOT NULL,
	CONSTRAINT "call_replies_call_sid_seq_pk" PRIMARY KEY("call_sid","seq")
);
--> statement-breakpoint
CREATE TABLE "calls" (
	"sid" text PRIMARY KEY NOT NULL,
	"from_number" text NOT NULL,
	"to_number" text NOT NULL,
	"status" text NOT NULL,
	"ivr" jsonb NOT NULL,
	"seq" integer DEFAULT 0 NOT NULL,
	"queue" text,
	"priority" integer,
	"queued_at" timestamp with time zone,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"ended_at" timestamp with time zone,
	"end_reason" text,
	"duration_seconds" integer
);
--> statement-breakpoint
CREATE TABLE "settings" (
	"key" text PRIMARY KEY NOT NULL,
	"value" jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "call_events_call_idx" ON "call_events" USING btree ("call_sid","id");--> statement-breakpoint
CREATE INDEX "call_events_at_idx" ON "call_events" USING btree ("at");--> statement-breakpoint
CREATE INDEX "calls_status_idx" ON "calls" USING btree ("status");