import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import twilio from 'twilio';
import { pino } from 'pino';
import { loadConfig, type Config } from '../../src/config.ts';
import type { Database } from '../../src/database.ts';
import type { Hotline } from '../../src/hotline.ts';
import { CASES_FILE } from '../../src/cases/policy.ts';
import { createApp } from '../../src/server.ts';
import { loadRules } from '../../src/rules.ts';
import { testDatabase } from './database.ts';
import { OPEN, testFlowYaml, testQueuesYaml } from './flows.ts';
import { newBus } from '../../src/acd/bus.ts';
import { newProcessId } from '../../src/acd/processes.ts';

/** The URL Twilio is told about: deliberately not where the test server listens, as behind a proxy. */
export const PUBLIC_URL = 'https://hotline.example.test';

export function testConfig(env: Record<string, string> = {}): Config {
  // The door's lag measure is off: a test process's loop is blocked by PGlite and by the specs themselves in
  // ways no caller would meet (test/telephony/door.test.ts turns it on).
  return loadConfig({ PORT: '0', PUBLIC_URL, LOG_LEVEL: 'silent', IVR_FLOWS_DIR: './ivr-flows', DOOR_LOOP_LAG_MS: '0', ...env });
}

/** A folder holding the small test flow as hotline.yaml, and its queues. */
export function testFlowsDir(yaml = testFlowYaml): string {
  const dir = mkdtempSync(join(tmpdir(), 'sanling-flows-'));
  writeFileSync(join(dir, 'hotline.yaml'), yaml);
  writeFileSync(join(dir, 'queues.yaml'), testQueuesYaml);
  copyFileSync(join('ivr-flows', CASES_FILE), join(dir, CASES_FILE));
  return dir;
}

/**
 * The webhooks' HTTP app over a real database and the test flow (or the flows in `flowsDir`); no carrier is
 * needed to answer webhooks.
 */
export async function webhookApp(options: { database?: Database; now?: () => Date; flowsDir?: string; env?: Record<string, string> } = {}) {
  const config = testConfig({ IVR_FLOWS_DIR: options.flowsDir ?? testFlowsDir(), ...options.env });
  const database = options.database ?? (await testDatabase());
  const hotline = hotlineWithoutCarrier(config, database, options.now ?? (() => OPEN));
  return { hotline, app: createApp(hotline), database };
}

/**
 * A hotline put together by hand for what needs no carrier (webhooks answered, the case desk, benchmarks):
 * the rules from `config.flowsDir`, a silent log, and a carrier that refuses to be used.
 */
export function hotlineWithoutCarrier(config: Config, database: Database, now: () => Date): Hotline {
  const unused = () => Promise.reject(new Error('the carrier is not used here'));
  return {
    config,
    database,
    ...loadRules(config),
    bus: newBus(),
    carrier: { kind: 'simulator', redirect: unused, hangup: unused, callState: unused, placeCall: unused, addParticipant: unused, updateParticipant: unused, startRecording: unused, updateRecording: unused, deleteRecording: unused, fetchRecording: unused },
    log: pino({ level: 'silent' }),
    processId: newProcessId(),
    now,
  };
}

let sidCounter = 0;
export function newCallSid(): string {
  return `CA${(Date.now().toString(16) + (++sidCounter).toString(16).padStart(8, '0')).padStart(32, '0')}`;
}

/** POST form parameters signed as Twilio signs them, for PUBLIC_URL + path. */
export function signedPost(app: Parameters<typeof request>[0], path: string, params: Record<string, string>, authToken?: string) {
  const token = authToken ?? testConfig().twilio.authToken;
  const signature = twilio.getExpectedTwilioSignature(token, PUBLIC_URL + path, params);
  return request(app).post(path).type('form').set('X-Twilio-Signature', signature).send(params);
}

export function callParams(sid: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    CallSid: sid,
    AccountSid: testConfig().twilio.accountSid,
    From: '+8613800138000',
    To: '+864001234567',
    CallStatus: 'in-progress',
    Direction: 'inbound',
    ApiVersion: '2010-04-01',
    ...extra,
  };
}
