CREATE TABLE "live_call_counts" (
	"slot_start" timestamp with time zone NOT NULL,
	"queue" text NOT NULL,
	"offered" integer DEFAULT 0 NOT NULL,
	"answered" integer DEFAULT 0 NOT NULL,
	"abandoned" integer DEFAULT 0 NOT NULL,
	"answered_in_time" integer DEFAULT 0 NOT NULL,
	"long_abandons" integer DEFAULT 0 NOT NULL,
	"wait_micros" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "live_call_counts_slot_start_queue_pk" PRIMARY KEY("slot_start","queue")
);
--> statement-breakpoint
CREATE TABLE "live_offer_counts" (
	"slot_start" timestamp with time zone NOT NULL,
	"staff_id" integer NOT NULL,
	"answered" integer DEFAULT 0 NOT NULL,
	"measured" integer DEFAULT 0 NOT NULL,
	"total_rings" integer DEFAULT 0 NOT NULL,
	"within_standard" integer DEFAULT 0 NOT NULL,
	"rings_1" integer DEFAULT 0 NOT NULL,
	"rings_2" integer DEFAULT 0 NOT NULL,
	"rings_3" integer DEFAULT 0 NOT NULL,
	"rings_4_plus" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "live_offer_counts_slot_start_staff_id_pk" PRIMARY KEY("slot_start","staff_id")
);
--> statement-breakpoint
CREATE TABLE "live_survey_counts" (
	"slot_start" timestamp with time zone NOT NULL,
	"staff_id" integer NOT NULL,
	"responses" integer DEFAULT 0 NOT NULL,
	"ratings" integer DEFAULT 0 NOT NULL,
	"total_rating" integer DEFAULT 0 NOT NULL,
	"top_two" integer DEFAULT 0 NOT NULL,
	"solved_answers" integer DEFAULT 0 NOT NULL,
	"solved" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "live_survey_counts_slot_start_staff_id_pk" PRIMARY KEY("slot_start","staff_id")
);
--> statement-breakpoint
CREATE INDEX "calls_waiting_now_idx" ON "calls" USING btree ("queue","queued_at") WHERE status in ('queued', 'offered');
--> statement-breakpoint
-- Today's figures as counters kept by the database itself (src/metrics/live.ts reads them). Why triggers: every
-- transaction that changes a call, an offer or a survey changes its counters too, atomically, whichever code
-- path (webhook, ACD, sweep, another process) made the change; none can forget to. Why deferred constraint
-- triggers: the counter row of a busy queue's current slot is hot (200 calls/s), and a deferred trigger
-- updates it only at COMMIT, so its row lock is held for the commit alone, not for the rest of the
-- transaction. Why 15-minute slots, UTC-aligned: every time zone's midnight falls on a quarter hour, so any
-- local day is a whole number of slots (and the board's chart is per slot), and a slot row is hot for 15
-- minutes only. Each row's part is defined once (live_*_part), as the fresh aggregate defines it
-- (src/metrics/live-fresh.ts): the spec test/metrics/live-counters.test.ts holds the two equal.
--
-- A call's part: entered a queue (queue and queued_at set), keyed by the slot it entered in.
-- answered_in_time: wait ≤ 20 s (LIVE_SERVICE_LEVEL_SECONDS); long_abandons: abandoned more than 5 s
-- (SHORT_ABANDON_SECONDS) after queueing; an abandon with no end time yet counts as long, as the fresh
-- aggregate's coalesce(ended_at, now) does once 5 s have passed (endCall sets both together anyway).
CREATE FUNCTION "live_call_part"(c "calls") RETURNS "live_call_counts" LANGUAGE sql IMMUTABLE AS $$
	SELECT date_bin('15 minutes', c.queued_at, timestamptz '1970-01-01 00:00:00+00'), c.queue,
		1,
		(c.answered_at IS NOT NULL)::int,
		coalesce(c.end_reason = 'abandoned-in-queue', false)::int,
		coalesce(extract(epoch from c.answered_at - c.queued_at) <= 20, false)::int,
		(coalesce(c.end_reason = 'abandoned-in-queue', false) AND coalesce(extract(epoch from c.ended_at - c.queued_at) > 5, true))::int,
		coalesce((extract(epoch from c.answered_at - c.queued_at) * 1000000)::bigint, 0)
	WHERE c.queue IS NOT NULL AND c.queued_at IS NOT NULL
$$;
--> statement-breakpoint
-- An offer's part: answered (connected or completed), keyed by the slot it was offered in and its agent.
CREATE FUNCTION "live_offer_part"(o "offers") RETURNS "live_offer_counts" LANGUAGE sql IMMUTABLE AS $$
	SELECT date_bin('15 minutes', o.offered_at, timestamptz '1970-01-01 00:00:00+00'), o.staff_id,
		1,
		(o.rings IS NOT NULL)::int,
		coalesce(o.rings, 0),
		coalesce(o.within_standard, false)::int,
		coalesce(o.rings = 1, false)::int,
		coalesce(o.rings = 2, false)::int,
		coalesce(o.rings = 3, false)::int,
		coalesce(o.rings > 3, false)::int
	WHERE o.status IN ('connected', 'completed')
$$;
--> statement-breakpoint
-- A survey's part, keyed by the slot it began in and the agent rated (0 for none: key columns cannot be null).
-- A partial survey counts for the questions answered; one that answered nothing is no response.
CREATE FUNCTION "live_survey_part"(s "surveys") RETURNS "live_survey_counts" LANGUAGE sql IMMUTABLE AS $$
	SELECT date_bin('15 minutes', s.started_at, timestamptz '1970-01-01 00:00:00+00'), coalesce(s.staff_id, 0),
		(s.rating IS NOT NULL OR s.solved IS NOT NULL)::int,
		(s.rating IS NOT NULL)::int,
		coalesce(s.rating, 0),
		coalesce(s.rating >= 4, false)::int,
		(s.solved IS NOT NULL)::int,
		coalesce(s.solved, false)::int
$$;
--> statement-breakpoint
-- Adds a part (sign 1) or takes it away (sign −1). A change is the old row's part taken away and the new
-- one's added, so a call moving slot or queue, or an offer moving agent, is counted right too.
CREATE FUNCTION "live_add_call"(p "live_call_counts", sign integer) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	IF p.slot_start IS NULL THEN RETURN; END IF;
	INSERT INTO live_call_counts AS k VALUES (p.slot_start, p.queue, sign * p.offered, sign * p.answered, sign * p.abandoned,
		sign * p.answered_in_time, sign * p.long_abandons, sign * p.wait_micros)
	ON CONFLICT (slot_start, queue) DO UPDATE SET offered = k.offered + excluded.offered, answered = k.answered + excluded.answered,
		abandoned = k.abandoned + excluded.abandoned, answered_in_time = k.answered_in_time + excluded.answered_in_time,
		long_abandons = k.long_abandons + excluded.long_abandons, wait_micros = k.wait_micros + excluded.wait_micros;
END $$;
--> statement-breakpoint
CREATE FUNCTION "live_add_offer"(p "live_offer_counts", sign integer) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	IF p.slot_start IS NULL THEN RETURN; END IF;
	INSERT INTO live_offer_counts AS k VALUES (p.slot_start, p.staff_id, sign * p.answered, sign * p.measured, sign * p.total_rings,
		sign * p.within_standard, sign * p.rings_1, sign * p.rings_2, sign * p.rings_3, sign * p.rings_4_plus)
	ON CONFLICT (slot_start, staff_id) DO UPDATE SET answered = k.answered + excluded.answered, measured = k.measured + excluded.measured,
		total_rings = k.total_rings + excluded.total_rings, within_standard = k.within_standard + excluded.within_standard,
		rings_1 = k.rings_1 + excluded.rings_1, rings_2 = k.rings_2 + excluded.rings_2, rings_3 = k.rings_3 + excluded.rings_3,
		rings_4_plus = k.rings_4_plus + excluded.rings_4_plus;
END $$;
--> statement-breakpoint
CREATE FUNCTION "live_add_survey"(p "live_survey_counts", sign integer) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	IF p.slot_start IS NULL THEN RETURN; END IF;
	INSERT INTO live_survey_counts AS k VALUES (p.slot_start, p.staff_id, sign * p.responses, sign * p.ratings, sign * p.total_rating,
		sign * p.top_two, sign * p.solved_answers, sign * p.solved)
	ON CONFLICT (slot_start, staff_id) DO UPDATE SET responses = k.responses + excluded.responses, ratings = k.ratings + excluded.ratings,
		total_rating = k.total_rating + excluded.total_rating, top_two = k.top_two + excluded.top_two,
		solved_answers = k.solved_answers + excluded.solved_answers, solved = k.solved + excluded.solved;
END $$;
--> statement-breakpoint
CREATE FUNCTION "live_calls_changed"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP <> 'INSERT' THEN PERFORM live_add_call(live_call_part(OLD), -1); END IF;
	IF TG_OP <> 'DELETE' THEN PERFORM live_add_call(live_call_part(NEW), 1); END IF;
	RETURN NULL;
END $$;
--> statement-breakpoint
CREATE FUNCTION "live_offers_changed"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP <> 'INSERT' THEN PERFORM live_add_offer(live_offer_part(OLD), -1); END IF;
	IF TG_OP <> 'DELETE' THEN PERFORM live_add_offer(live_offer_part(NEW), 1); END IF;
	RETURN NULL;
END $$;
--> statement-breakpoint
CREATE FUNCTION "live_surveys_changed"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP <> 'INSERT' THEN PERFORM live_add_survey(live_survey_part(OLD), -1); END IF;
	IF TG_OP <> 'DELETE' THEN PERFORM live_add_survey(live_survey_part(NEW), 1); END IF;
	RETURN NULL;
END $$;
--> statement-breakpoint
-- Emptying a table empties its counters (row triggers do not see TRUNCATE; specs truncate between tests).
CREATE FUNCTION "live_counts_truncated"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE format('TRUNCATE %I', TG_ARGV[0]);
	RETURN NULL;
END $$;
--> statement-breakpoint
-- The WHEN conditions skip the many changes that move no counter (an IVR step bumps calls.seq, an offer goes
-- from connected to completed, a survey's state moves on), so those pay nothing but the condition.
CREATE CONSTRAINT TRIGGER "live_calls_inserted" AFTER INSERT ON "calls" DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
	WHEN (NEW.queue IS NOT NULL AND NEW.queued_at IS NOT NULL) EXECUTE FUNCTION live_calls_changed();
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER "live_calls_updated" AFTER UPDATE ON "calls" DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
	WHEN (OLD.queue IS DISTINCT FROM NEW.queue OR OLD.queued_at IS DISTINCT FROM NEW.queued_at OR OLD.answered_at IS DISTINCT FROM NEW.answered_at
		OR OLD.end_reason IS DISTINCT FROM NEW.end_reason OR OLD.ended_at IS DISTINCT FROM NEW.ended_at) EXECUTE FUNCTION live_calls_changed();
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER "live_calls_deleted" AFTER DELETE ON "calls" DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
	WHEN (OLD.queue IS NOT NULL AND OLD.queued_at IS NOT NULL) EXECUTE FUNCTION live_calls_changed();
--> statement-breakpoint
CREATE TRIGGER "live_calls_truncated" AFTER TRUNCATE ON "calls" FOR EACH STATEMENT EXECUTE FUNCTION live_counts_truncated('live_call_counts');
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER "live_offers_inserted" AFTER INSERT ON "offers" DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
	WHEN (NEW.status IN ('connected', 'completed')) EXECUTE FUNCTION live_offers_changed();
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER "live_offers_updated" AFTER UPDATE ON "offers" DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
	WHEN ((OLD.status IN ('connected', 'completed')) <> (NEW.status IN ('connected', 'completed'))
		OR (NEW.status IN ('connected', 'completed') AND (OLD.offered_at, OLD.staff_id, OLD.rings, OLD.within_standard)
			IS DISTINCT FROM (NEW.offered_at, NEW.staff_id, NEW.rings, NEW.within_standard))) EXECUTE FUNCTION live_offers_changed();
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER "live_offers_deleted" AFTER DELETE ON "offers" DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
	WHEN (OLD.status IN ('connected', 'completed')) EXECUTE FUNCTION live_offers_changed();
--> statement-breakpoint
CREATE TRIGGER "live_offers_truncated" AFTER TRUNCATE ON "offers" FOR EACH STATEMENT EXECUTE FUNCTION live_counts_truncated('live_offer_counts');
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER "live_surveys_inserted" AFTER INSERT ON "surveys" DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
	EXECUTE FUNCTION live_surveys_changed();
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER "live_surveys_updated" AFTER UPDATE ON "surveys" DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
	WHEN ((OLD.started_at, OLD.staff_id, OLD.rating, OLD.solved) IS DISTINCT FROM (NEW.started_at, NEW.staff_id, NEW.rating, NEW.solved))
	EXECUTE FUNCTION live_surveys_changed();
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER "live_surveys_deleted" AFTER DELETE ON "surveys" DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
	EXECUTE FUNCTION live_surveys_changed();
--> statement-breakpoint
CREATE TRIGGER "live_surveys_truncated" AFTER TRUNCATE ON "surveys" FOR EACH STATEMENT EXECUTE FUNCTION live_counts_truncated('live_survey_counts');
--> statement-breakpoint
-- Counts every row there is, for all days: after the triggers (CREATE TRIGGER locks out writers until this
-- migration commits, so no change falls between the two). All days rather than today's: a call queued
-- yesterday and answered today changes yesterday's row, which must then be right, and a board read for any
-- past moment is right too. It is one grouped scan, a few seconds for a year of calls. Also the repair (and
-- the bench's way to count history loaded with the triggers off): SELECT live_counts_rebuild().
CREATE FUNCTION "live_counts_rebuild"() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	DELETE FROM live_call_counts;
	DELETE FROM live_offer_counts;
	DELETE FROM live_survey_counts;
	INSERT INTO live_call_counts
	SELECT p.slot_start, p.queue, sum(p.offered), sum(p.answered), sum(p.abandoned), sum(p.answered_in_time), sum(p.long_abandons), sum(p.wait_micros)
	FROM calls c CROSS JOIN LATERAL live_call_part(c) p WHERE p.slot_start IS NOT NULL GROUP BY p.slot_start, p.queue;
	INSERT INTO live_offer_counts
	SELECT p.slot_start, p.staff_id, sum(p.answered), sum(p.measured), sum(p.total_rings), sum(p.within_standard), sum(p.rings_1), sum(p.rings_2),
		sum(p.rings_3), sum(p.rings_4_plus)
	FROM offers o CROSS JOIN LATERAL live_offer_part(o) p WHERE p.slot_start IS NOT NULL GROUP BY p.slot_start, p.staff_id;
	INSERT INTO live_survey_counts
	SELECT p.slot_start, p.staff_id, sum(p.responses), sum(p.ratings), sum(p.total_rating), sum(p.top_two), sum(p.solved_answers), sum(p.solved)
	FROM surveys s CROSS JOIN LATERAL live_survey_part(s) p GROUP BY p.slot_start, p.staff_id;
END $$;
--> statement-breakpoint
SELECT live_counts_rebuild();
