import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.ts';

/** What the environment may say, and the one line an operator gets when it says something wrong. */

const SID = 'AC' + 'a'.repeat(32);
const credentials = { TWILIO_ACCOUNT_SID: SID, TWILIO_AUTH_TOKEN: 'auth-token', TWILIO_CALLER_ID: '+864008000123' };
const scratch = mkdtempSync(join(tmpdir(), 'sanling-config-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('DATABASE_POOL_SIZE', () => {
  it("is the database module's own size unless set, and a whole number of connections from 1 to 100", () => {
    expect(loadConfig({}).databasePoolSize).toBeUndefined();
    expect(loadConfig({ DATABASE_POOL_SIZE: '12' }).databasePoolSize).toBe(12);
    for (const value of ['0', '101', '2.5', 'many']) {
      expect(() => loadConfig({ DATABASE_POOL_SIZE: value }), value).toThrow(/^DATABASE_POOL_SIZE /);
    }
  });
});

describe('TRUST_PROXY', () => {
  it('is off by default, so X-Forwarded-For is not believed', () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '' }).trustProxy).toBe(false);
  });

  it('takes true or false, a number of proxies in front, or a list of proxy addresses and subnets', () => {
    expect(loadConfig({ TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(loadConfig({ TRUST_PROXY: 'false' }).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8,2001:db8::/32 , 192.0.2.7' }).trustProxy).toEqual([
      'loopback',
      '10.0.0.0/8',
      '2001:db8::/32',
      '192.0.2.7',
    ]);
  });

  it('stops start-up naming the variable and what it takes when it is anything else', () => {
    const message = 'TRUST_PROXY must be true, false, a number of proxies, or a comma-separated list of proxy addresses or subnets (such as loopback, 10.0.0.0/8)';
    for (const value of ['yes', '10.0.0.0/33', 'loopback,,10.0.0.1', '1.5', '-1', 'proxy.example.com', '::1/129']) {
      expect(() => loadConfig({ TRUST_PROXY: value }), value).toThrow(new ConfigError(`${message} (got ${JSON.stringify(value)})`));
    }
  });
});

describe('PUBLIC_URL', () => {
  it('is required with Twilio credentials and no CARRIER, since the carrier is then Twilio and signs for it', () => {
    expect(() => loadConfig(credentials)).toThrow(
      new ConfigError('PUBLIC_URL is required when the carrier is Twilio (Twilio signs every webhook for the URL it calls): set it to the address Twilio reaches this server at'),
    );
    expect(() => loadConfig({ ...credentials, CARRIER: 'twilio' })).toThrow(/^PUBLIC_URL is required/);
  });

  it('may be left out with the simulator, which signs for localhost', () => {
    expect(loadConfig({ ...credentials, CARRIER: 'simulator', PORT: '3100' })).toMatchObject({ carrier: 'simulator', publicUrl: 'http://localhost:3100' });
    expect(loadConfig({ PORT: '3100' })).toMatchObject({ carrier: 'simulator', publicUrl: 'http://localhost:3100' });
    expect(loadConfig({ ...credentials, PUBLIC_URL: 'https://hotline.example.test/' })).toMatchObject({ carrier: 'twilio', publicUrl: 'https://hotline.example.test' });
  });

  it('missing with Twilio credentials stops `npm start` with one line naming it', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: { ...process.env, ...credentials, CARRIER: '', PUBLIC_URL: '', DATABASE_URL: '', DATA_DIR: scratch, PORT: '0', LOG_LEVEL: 'info' },
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    // A hotline that starts anyway is stopped as soon as it says where it listens, and the spec fails.
    child.stdout.on('data', (d) => {
      if (/listening/.test(String(d))) child.kill('SIGTERM');
    });
    const code = await new Promise<number | null>((done) => child.on('exit', done));
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toEqual([expect.stringMatching(/^sanling: configuration: PUBLIC_URL is required when the carrier is Twilio /)]);
  });
});
