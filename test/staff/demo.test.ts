import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/database.ts';
import { DEMO_PASSWORD, seedDemoStaff } from '../../src/staff/demo.ts';
import { verifyPassword } from '../../src/staff/password.ts';
import { findByEmployeeNo, listStaff } from '../../src/staff/staff.ts';
import { testDatabase } from '../support/database.ts';

let database: Database;
beforeAll(async () => {
  database = await testDatabase();
});
afterAll(async () => {
  await database.close();
});

const QUEUES = ['tickets', 'luggage', 'lost-and-found', 'complaints', 'general'];

describe('the demo roster', () => {
  it('fills an empty staff table with eight agents, a supervisor, a manager and a trainer', async () => {
    expect(await seedDemoStaff(database.db)).toBe(true);
    const roster = await listStaff(database.db);
    expect(roster.map((p) => [p.employeeNo, p.role])).toEqual([
      ...['1001', '1002', '1003', '1004', '1005', '1006', '1007', '1008'].map((no) => [no, 'agent']),
      ['2001', 'supervisor'],
      ['3001', 'manager'],
      ['4001', 'trainer'],
    ]);
    expect(roster.every((p) => /^\p{Script=Han}{2,3}$/u.test(p.name) && !p.disabled)).toBe(true);
  });

  it('gives every queue at least two agents, and every agent the general queue', async () => {
    const agents = (await listStaff(database.db)).filter((p) => p.role === 'agent');
    for (const queue of QUEUES) expect(agents.filter((a) => a.skills[queue]).length, queue).toBeGreaterThanOrEqual(2);
    expect(agents.every((a) => a.skills.general)).toBe(true);
    expect(agents.flatMap((a) => Object.keys(a.skills)).every((skill) => QUEUES.includes(skill))).toBe(true);
  });

  it('logs everyone in with the password sanling', async () => {
    for (const person of await listStaff(database.db)) {
      const row = await findByEmployeeNo(database.db, person.employeeNo);
      expect(await verifyPassword(DEMO_PASSWORD, row!.passwordHash), person.employeeNo).toBe(true);
    }
  });

  it('adds nobody once there is anyone on the staff', async () => {
    expect(await seedDemoStaff(database.db)).toBe(false);
    expect(await listStaff(database.db)).toHaveLength(11);
  });
});

describe('npm start -- --demo', () => {
  it('adds the demo roster to the database it serves and says so', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sanling-demo-'));
    try {
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', '--demo'], {
        env: { ...process.env, DATABASE_URL: '', PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'info' },
      });
      let stdout = '';
      const said = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (d) => {
          stdout += d;
          const line = stdout.split('\n').find((l) => l.includes('demo roster'));
          if (line) resolve(JSON.parse(line).msg);
        });
        child.on('exit', (code) => reject(new Error(`exited ${code} before seeding: ${stdout}`)));
      });
      expect(said).toBe('demo roster added: agents 1001–1008, supervisor 2001, manager 3001, trainer 4001, password "sanling"');
      child.kill('SIGTERM');
      await new Promise((done) => child.on('exit', done));

      const served = await openDatabase({ dataDir });
      try {
        expect(await listStaff(served.db)).toHaveLength(11);
      } finally {
        await served.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000); // a persisted PGlite created, started and stopped, on a busy 2-core machine
});
