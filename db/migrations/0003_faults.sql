CREATE TABLE "agent_sockets" (
	"socket_id" text PRIMARY KEY NOT NULL,
	"staff_id" integer NOT NULL,
	"process_id" text NOT NULL,
	"connected_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "processes" (
	"id" text PRIMARY KEY NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"lease_until" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "calls" ADD COLUMN "route_after" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "agent_sockets_staff_idx" ON "agent_sockets" USING btree ("staff_id");--> statement-breakpoint
CREATE INDEX "agent_sockets_process_idx" ON "agent_sockets" USING btree ("process_id");--> statement-breakpoint
ALTER TABLE "staff" DROP COLUMN "failed_logins";--> statement-breakpoint
ALTER TABLE "staff" DROP COLUMN "locked_until";