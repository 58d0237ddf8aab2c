import { isIP } from 'node:net';
import { z } from 'zod';
import type { DoorLimits } from './telephony/door.ts';

/** Everything the hotline reads from the environment, parsed once at start-up. */
const schema = z
  .object({
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    PUBLIC_URL: z.url().optional(),
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
      .optional(),
    DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(100).optional(),
    DATA_DIR: z.string().min(1).default('./data'),
    CARRIER: z.enum(['simulator', 'twilio']).optional(),
    TWILIO_ACCOUNT_SID: z.string().regex(/^AC[0-9a-fA-F]{32}$/, 'must look like AC followed by 32 hex digits').optional(),
    TWILIO_AUTH_TOKEN: z.string().min(1).optional(),
    TWILIO_API_URL: z.url().optional(),
    TWILIO_API_KEY: z.string().regex(/^SK[0-9a-fA-F]{32}$/, 'must look like SK followed by 32 hex digits').optional(),
    TWILIO_API_SECRET: z.string().min(1).optional(),
    TWILIO_CALLER_ID: z.string().regex(/^\+[1-9][0-9]{5,14}$/, 'must be a phone number in E.164 form such as +864008000123').optional(),
    OUTBOUND_CALLS_PER_SECOND: z.coerce.number().positive().max(100).default(1),
    TWILIO_TWIML_APP_SID: z.string().regex(/^AP[0-9a-fA-F]{32}$/, 'must look like AP followed by 32 hex digits').optional(),
    VOICE_TOKEN_TTL_SECONDS: z.coerce.number().int().min(60).max(86_400).default(600),
    RING_CYCLE_SECONDS: z.coerce.number().positive().default(5),
    OFFER_RING_LIMIT: z.coerce.number().int().min(1).max(20).default(4),
    SESSION_HOURS: z.coerce.number().positive().default(12),
    PROCESS_LEASE_SECONDS: z.coerce.number().min(1).max(300).default(10),
    CALLBACK_DELAY_MINUTES: z.coerce.number().int().positive().default(15),
    // The door (src/telephony/door.ts): new callers are held while the hotline is this strained; 0 turns a measure off.
    DOOR_LOOP_LAG_MS: z.coerce.number().int().min(0).default(300),
    DOOR_WEBHOOKS_IN_FLIGHT: z.coerce.number().int().min(0).default(200),
    RECORDING_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(90),
    MONITORING_NOTICE: z.enum(['true', 'false'], { error: 'must be true or false' }).default('false'),
    HOTLINE_TIME_ZONE: z
      .string()
      .default('Asia/Shanghai')
      .refine((tz) => isTimeZone(tz), 'must be an IANA time zone such as Asia/Shanghai'),
    IVR_FLOWS_DIR: z.string().min(1).default('./ivr-flows'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    TRUST_PROXY: z
      .string()
      .optional()
      .transform((value, ctx) => {
        const trust = trustProxy(value);
        if (trust === undefined) ctx.addIssue({ code: 'custom', message: TRUST_PROXY_TAKES });
        return trust ?? false;
      }),
    // /metrics (src/ops): with a token, only a Bearer of it; without one, only the addresses allowed here.
    METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters (a random secret the scraper sends as a Bearer token)').optional(),
    METRICS_ALLOW: z
      .string()
      .default('loopback')
      .transform((value, ctx) => {
        const list = value.split(',').map((item) => item.trim());
        if (!list.every((item) => item === 'loopback' || isSubnet(item))) ctx.addIssue({ code: 'custom', message: 'must be a comma-separated list of addresses or subnets (such as loopback, 10.0.0.0/8)' });
        return list;
      }),
  })
  .superRefine((env, ctx) => {
    if (env.CARRIER === 'twilio') {
      for (const key of ['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN'] as const) {
        if (!env[key]) ctx.addIssue({ code: 'custom', path: [key], message: 'is required when CARRIER=twilio' });
      }
    }
    // Without it the hotline would check Twilio's signatures against localhost and refuse every real webhook.
    // Callbacks are placed from the hotline's own number: without it Twilio refuses every one.
    if (carrierOf(env) === 'twilio' && !env.TWILIO_CALLER_ID) {
      ctx.addIssue({ code: 'custom', path: ['TWILIO_CALLER_ID'], message: 'is required when the carrier is Twilio: the hotline number callbacks are placed from' });
    }
    if (carrierOf(env) === 'twilio' && !env.PUBLIC_URL) {
      ctx.addIssue({
        code: 'custom',
        path: ['PUBLIC_URL'],
        message: 'is required when the carrier is Twilio (Twilio signs every webhook for the URL it calls): set it to the address Twilio reaches this server at',
      });
    }
    // The softphone's token is signed with the key's secret: one without the other is a mistake.
    if (env.TWILIO_API_KEY && !env.TWILIO_API_SECRET) ctx.addIssue({ code: 'custom', path: ['TWILIO_API_SECRET'], message: 'is required with TWILIO_API_KEY' });
    if (env.TWILIO_API_SECRET && !env.TWILIO_API_KEY) ctx.addIssue({ code: 'custom', path: ['TWILIO_API_KEY'], message: 'is required with TWILIO_API_SECRET' });
  });

/** Twilio is the carrier when asked for, or when its credentials are set and no carrier is named. */
function carrierOf(env: { CARRIER?: 'simulator' | 'twilio' | undefined; TWILIO_ACCOUNT_SID?: string | undefined; TWILIO_AUTH_TOKEN?: string | undefined }) {
  return env.CARRIER ?? (env.TWILIO_ACCOUNT_SID && env.TWILIO_AUTH_TOKEN ? 'twilio' : 'simulator');
}

const TRUST_PROXY_TAKES = 'must be true, false, a number of proxies, or a comma-separated list of proxy addresses or subnets (such as loopback, 10.0.0.0/8)';
const PROXY_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

/**
 * Express's `trust proxy` from the environment, undefined when it is none of what Express takes sensibly:
 * true or false, how many proxies stand in front, or which addresses and subnets are proxies.
 */
function trustProxy(value: string | undefined): boolean | number | string[] | undefined {
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  if (/^\d{1,2}$/.test(value)) return Number(value);
  const list = value.split(',').map((item) => item.trim());
  return list.every((item) => PROXY_NAMES.includes(item) || isSubnet(item)) ? list : undefined;
}

/** An address, or an address with a prefix length that fits it (10.0.0.0/8, 2001:db8::/32). */
function isSubnet(item: string): boolean {
  const [address = '', bits, ...rest] = item.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  return bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128));
}

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export type Config = {
  port: number;
  publicUrl: string;
  databaseUrl: string | undefined;
  /** The PostgreSQL connections this process keeps (src/database.ts's POOL_SIZE unless set; PGlite is one). */
  databasePoolSize: number | undefined;
  dataDir: string;
  carrier: 'simulator' | 'twilio';
  twilio: {
    accountSid: string;
    authToken: string;
    apiUrl: string | undefined;
    /** An API key and its secret sign the softphone's access tokens; unset, the page cannot use Twilio audio. */
    apiKey: string | undefined;
    apiSecret: string | undefined;
    /** The hotline's number, which passengers see when called back. */
    callerId: string;
    /** The TwiML App the softphone's outgoing calls would use (the voice grant's outgoingApplicationSid). */
    twimlAppSid: string | undefined;
  };
  /** How long a softphone's voice token lasts; the page renews it before then. */
  voiceTokenTtlSeconds: number;
  ringCycleSeconds: number;
  /** An offer not answered within this many rings is withdrawn. */
  offerRingLimit: number;
  /** How long a staff login lasts. */
  sessionHours: number;
  /** How long a server process's lease lasts unrenewed: its agents are taken over this long after it dies. */
  processLeaseSeconds: number;
  /** A callback a waiting caller asks for is due this many minutes later. */
  callbackDelayMinutes: number;
  /** When new callers are held at the door (src/telephony/door.ts). */
  door: DoorLimits;
  /** Recordings are deleted, at the carrier and here, this many days after they started. */
  recordingRetentionDays: number;
  /** Agents are told when a supervisor listens in, whispers or barges (a site's rule; off by default). */
  monitoringNotice: boolean;
  /** Calls are placed no faster than this, across every process (a new Twilio account's pace is 1). */
  outboundCallsPerSecond: number;
  timeZone: string;
  flowsDir: string;
  logLevel: string;
  /** Express's `trust proxy`: whose X-Forwarded-For to believe for a client's address (login throttling). */
  trustProxy: boolean | number | string[];
  /**
   * Who may read /metrics. With `token` set, whoever sends `Authorization: Bearer <token>`, from anywhere (a
   * scraper in another network); unset, only clients whose address is in `allow` (`loopback` by default, or
   * the admin network's subnets), so that a hotline reachable from the internet for Twilio's webhooks does not
   * show its figures to it.
   */
  metrics: { token: string | undefined; allow: string[] };
};

/** The simulator signs with a fixed account and token so signature checking is never switched off. */
export const SIMULATOR_ACCOUNT_SID = 'AC00000000000000000000000000000000';
export const SIMULATOR_AUTH_TOKEN = 'simulator-auth-token';
/** The hotline's number in simulator mode (what simulated callers dial). */
export const SIMULATOR_CALLER_ID = '+864008000123';

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const blank = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ''));
  const parsed = schema.safeParse(blank);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = String(issue.path[0] ?? 'environment');
    // A secret's value is not repeated in the message (which ends up in logs).
    const got = name in blank && !/_(TOKEN|SECRET)$/.test(name) ? ` (got ${JSON.stringify(blank[name])})` : '';
    throw new ConfigError(`${name} ${issue.message.replace(/^Invalid input: /, '')}${got}`);
  }
  const e = parsed.data;
  const carrier = carrierOf(e);
  const simulated = carrier === 'simulator';
  return {
    port: e.PORT,
    publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ''),
    databaseUrl: e.DATABASE_URL,
    databasePoolSize: e.DATABASE_POOL_SIZE,
    dataDir: e.DATA_DIR,
    carrier,
    twilio: {
      accountSid: simulated ? SIMULATOR_ACCOUNT_SID : e.TWILIO_ACCOUNT_SID!,
      authToken: simulated ? SIMULATOR_AUTH_TOKEN : e.TWILIO_AUTH_TOKEN!,
      apiUrl: e.TWILIO_API_URL,
      apiKey: e.TWILIO_API_KEY,
      apiSecret: e.TWILIO_API_SECRET,
      callerId: e.TWILIO_CALLER_ID ?? SIMULATOR_CALLER_ID,
      twimlAppSid: e.TWILIO_TWIML_APP_SID,
    },
    voiceTokenTtlSeconds: e.VOICE_TOKEN_TTL_SECONDS,
    ringCycleSeconds: e.RING_CYCLE_SECONDS,
    offerRingLimit: e.OFFER_RING_LIMIT,
    sessionHours: e.SESSION_HOURS,
    processLeaseSeconds: e.PROCESS_LEASE_SECONDS,
    callbackDelayMinutes: e.CALLBACK_DELAY_MINUTES,
    door: { lagMs: e.DOOR_LOOP_LAG_MS, inFlight: e.DOOR_WEBHOOKS_IN_FLIGHT },
    recordingRetentionDays: e.RECORDING_RETENTION_DAYS,
    monitoringNotice: e.MONITORING_NOTICE === 'true',
    outboundCallsPerSecond: e.OUTBOUND_CALLS_PER_SECOND,
    timeZone: e.HOTLINE_TIME_ZONE,
    flowsDir: e.IVR_FLOWS_DIR,
    logLevel: e.LOG_LEVEL,
    trustProxy: e.TRUST_PROXY,
    metrics: { token: e.METRICS_TOKEN, allow: e.METRICS_ALLOW },
  };
}
