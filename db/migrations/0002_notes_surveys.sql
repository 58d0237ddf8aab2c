CREATE TABLE "call_notes" (
	"id" serial PRIMARY KEY NOT NULL,
	"call_sid" text NOT NULL,
	"staff_id" integer NOT NULL,
	"passenger_name" text DEFAULT '' NOT NULL,
	"contact_number" text DEFAULT '' NOT NULL,
	"train_number" text DEFAULT '' NOT NULL,
	"seat_number" text DEFAULT '' NOT NULL,
	"topic" text,
	"text" text DEFAULT '' NOT NULL,
	"disposition" text,
	"callback_due_at" timestamp with time zone,
	"callback_id" integer,
	"version" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "surveys" (
	"call_sid" text PRIMARY KEY NOT NULL,
	"staff_id" integer,
	"queue" text,
	"language" text NOT NULL,
	"state" jsonb NOT NULL,
	"seq" integer DEFAULT 0 NOT NULL,
	"rating" integer,
	"solved" boolean,
	"status" text DEFAULT 'asking' NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"ended_at" timestamp with time zone
);
--> statement-breakpoint
CREATE UNIQUE INDEX "call_notes_call_staff_idx" ON "call_notes" USING btree ("call_sid","staff_id");--> statement-breakpoint
CREATE INDEX "call_notes_staff_idx" ON "call_notes" USING btree ("staff_id","updated_at");--> statement-breakpoint
CREATE INDEX "surveys_started_idx" ON "surveys" USING btree ("started_at");--> statement-breakpoint
CREATE INDEX "surveys_staff_idx" ON "surveys" USING btree ("staff_id","started_at");