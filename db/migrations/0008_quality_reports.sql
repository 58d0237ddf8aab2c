CREATE TABLE "coaching_notes" (
	"id" serial PRIMARY KEY NOT NULL,
	"score_id" integer NOT NULL,
	"staff_id" integer NOT NULL,
	"author_id" integer NOT NULL,
	"text" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"acknowledged_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "quality_samples" (
	"id" serial PRIMARY KEY NOT NULL,
	"day" date NOT NULL,
	"offer_id" integer NOT NULL,
	"call_sid" text NOT NULL,
	"staff_id" integer NOT NULL,
	"reason" text NOT NULL,
	"drawn_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "quality_scores" (
	"id" serial PRIMARY KEY NOT NULL,
	"offer_id" integer NOT NULL,
	"call_sid" text NOT NULL,
	"staff_id" integer NOT NULL,
	"queue" text NOT NULL,
	"answered_at" timestamp with time zone NOT NULL,
	"judged" jsonb NOT NULL,
	"automatic" jsonb NOT NULL,
	"score" real NOT NULL,
	"scored_by" integer NOT NULL,
	"scored_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "report_agent_days" (
	"day" date NOT NULL,
	"offered" integer DEFAULT 0 NOT NULL,
	"answered" integer DEFAULT 0 NOT NULL,
	"abandoned" integer DEFAULT 0 NOT NULL,
	"short_abandons" integer DEFAULT 0 NOT NULL,
	"abandoned_5" integer DEFAULT 0 NOT NULL,
	"abandoned_15" integer DEFAULT 0 NOT NULL,
	"abandoned_30" integer DEFAULT 0 NOT NULL,
	"abandoned_60" integer DEFAULT 0 NOT NULL,
	"abandoned_120" integer DEFAULT 0 NOT NULL,
	"abandoned_over_120" integer DEFAULT 0 NOT NULL,
	"answered_in_time" integer DEFAULT 0 NOT NULL,
	"wait_seconds" double precision DEFAULT 0 NOT NULL,
	"missed" integer DEFAULT 0 NOT NULL,
	"rings_measured" integer DEFAULT 0 NOT NULL,
	"within_standard" integer DEFAULT 0 NOT NULL,
	"total_rings" integer DEFAULT 0 NOT NULL,
	"handled" integer DEFAULT 0 NOT NULL,
	"talk_seconds" double precision DEFAULT 0 NOT NULL,
	"hold_seconds" double precision DEFAULT 0 NOT NULL,
	"wrap_seconds" double precision DEFAULT 0 NOT NULL,
	"ratings" integer DEFAULT 0 NOT NULL,
	"rating_total" integer DEFAULT 0 NOT NULL,
	"top_two" integer DEFAULT 0 NOT NULL,
	"callbacks_completed" integer DEFAULT 0 NOT NULL,
	"callbacks_in_promise" integer DEFAULT 0 NOT NULL,
	"replies_due" integer DEFAULT 0 NOT NULL,
	"replies_in_time" integer DEFAULT 0 NOT NULL,
	"staff_id" integer NOT NULL,
	CONSTRAINT "report_agent_days_day_staff_id_pk" PRIMARY KEY("day","staff_id")
);
--> statement-breakpoint
CREATE TABLE "report_agent_slots" (
	"slot_start" timestamp with time zone NOT NULL,
	"offered" integer DEFAULT 0 NOT NULL,
	"answered" integer DEFAULT 0 NOT NULL,
	"abandoned" integer DEFAULT 0 NOT NULL,
	"short_abandons" integer DEFAULT 0 NOT NULL,
	"abandoned_5" integer DEFAULT 0 NOT NULL,
	"abandoned_15" integer DEFAULT 0 NOT NULL,
	"abandoned_30" integer DEFAULT 0 NOT NULL,
	"abandoned_60" integer DEFAULT 0 NOT NULL,
	"abandoned_120" integer DEFAULT 0 NOT NULL,
	"abandoned_over_120" integer DEFAULT 0 NOT NULL,
	"answered_in_time" integer DEFAULT 0 NOT NULL,
	"wait_seconds" double precision DEFAULT 0 NOT NULL,
	"missed" integer DEFAULT 0 NOT NULL,
	"rings_measured" integer DEFAULT 0 NOT NULL,
	"within_standard" integer DEFAULT 0 NOT NULL,
	"total_rings" integer DEFAULT 0 NOT NULL,
	"handled" integer DEFAULT 0 NOT NULL,
	"talk_seconds" double precision DEFAULT 0 NOT NULL,
	"hold_seconds" double precision DEFAULT 0 NOT NULL,
	"wrap_seconds" double precision DEFAULT 0 NOT NULL,
	"ratings" integer DEFAULT 0 NOT NULL,
	"rating_total" integer DEFAULT 0 NOT NULL,
	"top_two" integer DEFAULT 0 NOT NULL,
	"callbacks_completed" integer DEFAULT 0 NOT NULL,
	"callbacks_in_promise" integer DEFAULT 0 NOT NULL,
	"replies_due" integer DEFAULT 0 NOT NULL,
	"replies_in_time" integer DEFAULT 0 NOT NULL,
	"staff_id" integer NOT NULL,
	CONSTRAINT "report_agent_slots_slot_start_staff_id_pk" PRIMARY KEY("slot_start","staff_id")
);
--> statement-breakpoint
CREATE TABLE "report_marks" (
	"id" integer PRIMARY KEY NOT NULL,
	"until" timestamp with time zone NOT NULL,
	"days_until" date,
	"time_zone" text
);
--> statement-breakpoint
CREATE TABLE "report_queue_days" (
	"day" date NOT NULL,
	"offered" integer DEFAULT 0 NOT NULL,
	"answered" integer DEFAULT 0 NOT NULL,
	"abandoned" integer DEFAULT 0 NOT NULL,
	"short_abandons" integer DEFAULT 0 NOT NULL,
	"abandoned_5" integer DEFAULT 0 NOT NULL,
	"abandoned_15" integer DEFAULT 0 NOT NULL,
	"abandoned_30" integer DEFAULT 0 NOT NULL,
	"abandoned_60" integer DEFAULT 0 NOT NULL,
	"abandoned_120" integer DEFAULT 0 NOT NULL,
	"abandoned_over_120" integer DEFAULT 0 NOT NULL,
	"answered_in_time" integer DEFAULT 0 NOT NULL,
	"wait_seconds" double precision DEFAULT 0 NOT NULL,
	"missed" integer DEFAULT 0 NOT NULL,
	"rings_measured" integer DEFAULT 0 NOT NULL,
	"within_standard" integer DEFAULT 0 NOT NULL,
	"total_rings" integer DEFAULT 0 NOT NULL,
	"handled" integer DEFAULT 0 NOT NULL,
	"talk_seconds" double precision DEFAULT 0 NOT NULL,
	"hold_seconds" double precision DEFAULT 0 NOT NULL,
	"wrap_seconds" double precision DEFAULT 0 NOT NULL,
	"ratings" integer DEFAULT 0 NOT NULL,
	"rating_total" integer DEFAULT 0 NOT NULL,
	"top_two" integer DEFAULT 0 NOT NULL,
	"callbacks_completed" integer DEFAULT 0 NOT NULL,
	"callbacks_in_promise" integer DEFAULT 0 NOT NULL,
	"replies_due" integer DEFAULT 0 NOT NULL,
	"replies_in_time" integer DEFAULT 0 NOT NULL,
	"queue" text NOT NULL,
	CONSTRAINT "report_queue_days_day_queue_pk" PRIMARY KEY("day","queue")
);
--> statement-breakpoint
CREATE TABLE "report_queue_slots" (
	"slot_start" timestamp with time zone NOT NULL,
	"offered" integer DEFAULT 0 NOT NULL,
	"answered" integer DEFAULT 0 NOT NULL,
	"abandoned" integer DEFAULT 0 NOT NULL,
	"short_abandons" integer DEFAULT 0 NOT NULL,
	"abandoned_5" integer DEFAULT 0 NOT NULL,
	"abandoned_15" integer DEFAULT 0 NOT NULL,
	"abandoned_30" integer DEFAULT 0 NOT NULL,
	"abandoned_60" integer DEFAULT 0 NOT NULL,
	"abandoned_120" integer DEFAULT 0 NOT NULL,
	"abandoned_over_120" integer DEFAULT 0 NOT NULL,
	"answered_in_time" integer DEFAULT 0 NOT NULL,
	"wait_seconds" double precision DEFAULT 0 NOT NULL,
	"missed" integer DEFAULT 0 NOT NULL,
	"rings_measured" integer DEFAULT 0 NOT NULL,
	"within_standard" integer DEFAULT 0 NOT NULL,
	"total_rings" integer DEFAULT 0 NOT NULL,
	"handled" integer DEFAULT 0 NOT NULL,
	"talk_seconds" double precision DEFAULT 0 NOT NULL,
	"hold_seconds" double precision DEFAULT 0 NOT NULL,
	"wrap_seconds" double precision DEFAULT 0 NOT NULL,
	"ratings" integer DEFAULT 0 NOT NULL,
	"rating_total" integer DEFAULT 0 NOT NULL,
	"top_two" integer DEFAULT 0 NOT NULL,
	"callbacks_completed" integer DEFAULT 0 NOT NULL,
	"callbacks_in_promise" integer DEFAULT 0 NOT NULL,
	"replies_due" integer DEFAULT 0 NOT NULL,
	"replies_in_time" integer DEFAULT 0 NOT NULL,
	"queue" text NOT NULL,
	CONSTRAINT "report_queue_slots_slot_start_queue_pk" PRIMARY KEY("slot_start","queue")
);
--> statement-breakpoint
CREATE UNIQUE INDEX "coaching_notes_score_idx" ON "coaching_notes" USING btree ("score_id");--> statement-breakpoint
CREATE INDEX "coaching_notes_staff_idx" ON "coaching_notes" USING btree ("staff_id","acknowledged_at");--> statement-breakpoint
CREATE UNIQUE INDEX "quality_samples_offer_idx" ON "quality_samples" USING btree ("offer_id");--> statement-breakpoint
CREATE INDEX "quality_samples_day_idx" ON "quality_samples" USING btree ("day","staff_id");--> statement-breakpoint
CREATE UNIQUE INDEX "quality_scores_offer_idx" ON "quality_scores" USING btree ("offer_id");--> statement-breakpoint
CREATE INDEX "quality_scores_answered_idx" ON "quality_scores" USING btree ("answered_at");--> statement-breakpoint
CREATE INDEX "quality_scores_staff_idx" ON "quality_scores" USING btree ("staff_id","answered_at");--> statement-breakpoint
CREATE INDEX "report_agent_days_staff_idx" ON "report_agent_days" USING btree ("staff_id","day");--> statement-breakpoint
CREATE INDEX "report_agent_slots_staff_idx" ON "report_agent_slots" USING btree ("staff_id","slot_start");--> statement-breakpoint
CREATE INDEX "report_queue_slots_queue_idx" ON "report_queue_slots" USING btree ("queue","slot_start");