import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/database.ts';
import { verifyPassword } from '../../src/staff/password.ts';
import { findByEmployeeNo } from '../../src/staff/staff.ts';

/**
 * `npm run staff` as an administrator types it: its own process, on the embedded database under DATA_DIR
 * (whatever DATABASE_URL the tests run with), one command at a time as PGlite requires.
 */

const dataDir = mkdtempSync(join(tmpdir(), 'sanling-staff-cli-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

type Ran = { code: number | null; stdout: string; stderr: string };

function staffCommand(args: string[], stdin = ''): Promise<Ran> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/staff.ts', ...args], {
    env: { ...process.env, DATABASE_URL: '', DATA_DIR: dataDir, LOG_LEVEL: 'silent' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  child.stdin.end(stdin);
  return new Promise((done) => child.on('close', (code) => done({ code, stdout, stderr })));
}

/** Which of these passwords the stored hashes accept, read between commands (the CLI has closed the database). */
async function passwordsWork(tries: Array<[employeeNo: string, password: string]>): Promise<boolean[]> {
  const database = await openDatabase({ dataDir });
  try {
    const works = [];
    for (const [employeeNo, password] of tries) {
      works.push(await verifyPassword(password, (await findByEmployeeNo(database.db, employeeNo))!.passwordHash));
    }
    return works;
  } finally {
    await database.close();
  }
}

describe('npm run staff', () => {
  it('adds someone, changes their password, disables them, and lists the roster', async () => {
    const added = await staffCommand(['add', '--employee-no', '1009', '--name', '张敏', '--role', 'agent', '--skills', 'tickets=3,general=2', '--password', 'first-password']);
    expect(added).toEqual({ code: 0, stdout: 'added 1009 张敏 (agent)\n', stderr: '' });

    // The password may come on stdin instead of the command line, where others could see it.
    const supervisor = await staffCommand(['add', '--employee-no', '2009', '--name', '周强', '--role', 'supervisor'], 'boss-password\n');
    expect(supervisor).toMatchObject({ code: 0, stdout: 'added 2009 周强 (supervisor)\n' });

    const changed = await staffCommand(['passwd', '--employee-no', '1009'], 'second-password\n');
    expect(changed).toMatchObject({ code: 0, stdout: 'changed the password of 1009 张敏; their sessions have ended\n' });
    expect(await passwordsWork([['1009', 'second-password'], ['1009', 'first-password'], ['2009', 'boss-password']])).toEqual([true, false, true]);

    const disabled = await staffCommand(['disable', '--employee-no', '2009']);
    expect(disabled).toMatchObject({ code: 0, stdout: 'disabled 2009 周强; they can no longer log in\n' });

    const listed = await staffCommand(['list']);
    expect(listed.code).toBe(0);
    expect(listed.stdout.split('\n')).toEqual([
      'employee no  name  role        skills               disabled',
      '1009         张敏  agent       general=2,tickets=3  no',
      '2009         周强  supervisor  -                    yes',
      '',
    ]);
  }, 180_000); // five start-ups of a persisted PGlite, the first one creating it, on a busy 2-core machine

  it('says in one line what is wrong with the input, and exits 1', async () => {
    const cases: Array<[string[], string]> = [
      [['add', '--employee-no', '1010', '--name', '孙丽', '--role', 'boss', '--password', 'long-enough'], '--role must be one of agent, supervisor, manager, trainer'],
      [['add', '--employee-no', '10', '--name', '孙丽', '--role', 'agent'], '--employee-no must be 3 to 10 digits'],
      [['add', '--employee-no', '1010', '--name', '孙丽', '--role', 'agent', '--skills', 'tickets=9'], '--skills tickets must be a whole number from 1 to 5'],
      [['add', '--employee-no', '1010', '--name', '孙丽', '--role', 'agent', '--skills', 'tickets'], '--skills must be skill=level pairs separated by commas, e.g. tickets=3,general=2 (not "tickets")'],
      [['add', '--employee-no', '1010', '--name', '孙丽', '--role', 'agent', '--password', 'short'], '--password must be at least 8 characters'],
      [['list', '--name', '孙丽'], 'list does not take --name'],
    ];
    for (const [args, message] of cases) {
      const ran = await staffCommand(args);
      expect(ran, message).toMatchObject({ code: 1, stdout: '', stderr: `sanling staff: ${message}\n` });
    }
  }, 120_000);

  it('refuses a taken or unknown employee number in one line', async () => {
    await staffCommand(['add', '--employee-no', '1011', '--name', '孙丽', '--role', 'agent', '--password', 'long-enough']);
    const taken = await staffCommand(['add', '--employee-no', '1011', '--name', '何静', '--role', 'agent', '--password', 'long-enough']);
    expect(taken).toMatchObject({ code: 1, stderr: 'sanling staff: employee number 1011 is already taken\n' });
    const unknown = await staffCommand(['disable', '--employee-no', '5555']);
    expect(unknown).toMatchObject({ code: 1, stderr: 'sanling staff: no staff member has employee number 5555\n' });
  }, 120_000);

  it('will not open the embedded database while another process (the server) has it open', async () => {
    const server = await openDatabase({ dataDir });
    try {
      const ran = await staffCommand(['list']);
      expect(ran.code).toBe(1);
      expect(ran.stderr).toBe(`sanling staff: the embedded database in ${dataDir} is open in another process: stop the server (npm start) first\n`);
    } finally {
      await server.close();
    }
  }, 120_000);
});
