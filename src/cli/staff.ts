import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import type { z } from 'zod';
import { ConfigError, loadConfig } from '../config.ts';
import { openDatabase, type Db } from '../database.ts';
import {
  addStaff,
  disableStaff,
  employeeNoSchema,
  listStaff,
  newPasswordSchema,
  newStaffSchema,
  setPassword,
  StaffError,
} from '../staff/staff.ts';

/**
 * `npm run staff`: the roster, from the same database the server uses (DATABASE_URL, or PGlite under
 * DATA_DIR). PGlite lives inside one process, so with the embedded database the server must be stopped.
 */

const USAGE = `usage: npm run staff -- <command> [options]
  add      --employee-no N --name NAME --role agent|supervisor|manager|trainer [--skills tickets=3,general=2] [--password P]
  list
  passwd   --employee-no N [--password P]
  disable  --employee-no N
Without --password the password is asked for (not shown as it is typed), or read as one line from stdin.
With the embedded database (no DATABASE_URL), stop the server first: PGlite opens DATA_DIR in one process only.`;

/** Which options each command takes. */
const COMMANDS = {
  add: ['employee-no', 'name', 'role', 'skills', 'password'],
  list: [],
  passwd: ['employee-no', 'password'],
  disable: ['employee-no'],
} as const;
type Command = keyof typeof COMMANDS;
/** The flag each field comes from, for error messages. */
const FLAGS: Record<string, string> = { employeeNo: '--employee-no', name: '--name', role: '--role', skills: '--skills', password: '--password' };

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      options: {
        'employee-no': { type: 'string' },
        name: { type: 'string' },
        role: { type: 'string' },
        skills: { type: 'string' },
        password: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    fail(`${(err as Error).message}\n${USAGE}`);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const [command, ...extra] = positionals;
  if (!command || !(command in COMMANDS)) fail(`${command ? `unknown command ${command}` : 'which command?'}\n${USAGE}`);
  if (extra.length) fail(`unexpected ${extra.join(' ')}`);
  const allowed: readonly string[] = COMMANDS[command as Command];
  const stray = Object.keys(values).find((option) => option !== 'help' && !allowed.includes(option));
  if (stray) fail(`${command} does not take --${stray}`);

  switch (command as Command) {
    case 'add': {
      // Everything else is checked before the password is asked for.
      const person = valid(newStaffSchema.omit({ password: true }), {
        employeeNo: values['employee-no'],
        name: values.name,
        role: values.role,
        skills: values.skills === undefined ? undefined : parseSkills(values.skills),
      });
      const password = await newPassword(values.password);
      const added = await withDatabase((db) => addStaff(db, { ...person, password }));
      console.log(`added ${added.employeeNo} ${added.name} (${added.role})`);
      return;
    }
    case 'list': {
      const people = await withDatabase(listStaff);
      if (people.length === 0) console.log('no staff yet: add someone with `npm run staff -- add …`');
      else printTable([['employee no', 'name', 'role', 'skills', 'disabled'], ...people.map((p) => [p.employeeNo, p.name, p.role, formatSkills(p.skills), p.disabled ? 'yes' : 'no'])]);
      return;
    }
    case 'passwd': {
      const employeeNo = valid(employeeNoSchema, values['employee-no'], 'employeeNo');
      const password = await newPassword(values.password);
      const changed = await withDatabase((db) => setPassword(db, employeeNo, password));
      console.log(`changed the password of ${changed.employeeNo} ${changed.name}; their sessions have ended`);
      return;
    }
    case 'disable': {
      const employeeNo = valid(employeeNoSchema, values['employee-no'], 'employeeNo');
      const disabled = await withDatabase((db) => disableStaff(db, employeeNo));
      console.log(`disabled ${disabled.employeeNo} ${disabled.name}; they can no longer log in`);
      return;
    }
  }
}

/** Parse with the roster's own rules, or stop naming the flag: "--role must be one of agent, …". */
function valid<T extends z.ZodType>(schema: T, input: unknown, field?: string): z.output<T> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const [first, ...rest] = field === undefined ? issue.path : [field, ...issue.path];
  fail([FLAGS[String(first)] ?? String(first), ...rest.map(String), issue.message].join(' '));
}

/** `tickets=3,general=2` → { tickets: 3, general: 2 }; the names and levels are checked with the rest. */
function parseSkills(text: string): Record<string, number> {
  const pairs = text.split(',').filter((pair) => pair.trim() !== '');
  return Object.fromEntries(
    pairs.map((pair) => {
      const match = /^\s*([^=\s]+)\s*=\s*(\S+)\s*$/.exec(pair);
      if (!match) fail(`--skills must be skill=level pairs separated by commas, e.g. tickets=3,general=2 (not ${JSON.stringify(pair)})`);
      return [match[1]!, Number(match[2])];
    }),
  );
}

function formatSkills(skills: Record<string, number>): string {
  const names = Object.keys(skills).sort();
  return names.length ? names.map((name) => `${name}=${skills[name]}`).join(',') : '-';
}

/** Columns padded to their widest cell, counting a Chinese character as two columns, as a terminal does. */
function printTable(rows: string[][]): void {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => displayWidth(row[i]!))));
  for (const row of rows) console.log(row.map((cell, i) => cell + ' '.repeat(widths[i]! - displayWidth(cell))).join('  ').trimEnd());
}

function displayWidth(text: string): number {
  let width = 0;
  for (const char of text) width += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\u{20000}-\u{3fffd}]/u.test(char) ? 2 : 1;
  return width;
}

async function newPassword(given: string | undefined): Promise<string> {
  return valid(newPasswordSchema, given ?? (await readPassword()), 'password');
}

/** Typed at a terminal: asked twice, not echoed. Piped in: the first line of stdin. */
async function readPassword(): Promise<string> {
  if (!process.stdin.isTTY) {
    const lines = createInterface({ input: process.stdin });
    for await (const line of lines) {
      lines.close();
      return line;
    }
    fail('no password: give --password, or type it on stdin');
  }
  const password = await askHidden('password: ');
  if ((await askHidden('again: ')) !== password) fail('the two passwords differ');
  return password;
}

function askHidden(prompt: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(prompt);
  stdin.setRawMode(true);
  stdin.resume();
  stdin.setEncoding('utf8');
  return new Promise((resolve) => {
    let typed = '';
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === '\u0003') {
          stdin.setRawMode(false);
          process.stderr.write('\n');
          process.exit(130);
        } else if (char === '\r' || char === '\n' || char === '\u0004') {
          stdin.setRawMode(false);
          stdin.pause();
          stdin.off('data', onData);
          process.stderr.write('\n');
          resolve(typed);
          return;
        } else if (char === '\u007f' || char === '\b') {
          typed = [...typed].slice(0, -1).join('');
        } else {
          typed += char;
        }
      }
    };
    stdin.on('data', onData);
  });
}

/** Open the server's database, run one roster change, close it (also when it fails). */
async function withDatabase<T>(work: (db: Db) => Promise<T>): Promise<T> {
  const config = loadConfig();
  // PGlite does not stop a second process from opening its folder, and two would corrupt it. While a
  // process has it open, PostgreSQL's postmaster.pid is there (a clean stop removes it).
  if (!config.databaseUrl && existsSync(join(config.dataDir, 'postmaster.pid'))) {
    fail(`the embedded database in ${config.dataDir} is open in another process: stop the server (npm start) first`);
  }
  const database = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir, poolSize: config.databasePoolSize });
  try {
    return await work(database.db);
  } finally {
    await database.close();
  }
}

function fail(message: string): never {
  process.stderr.write(`sanling staff: ${message}\n`);
  process.exit(1);
}

await main().catch((err: unknown) => {
  // A taken or unknown employee number, or a bad setting, is the user's to fix: one line, not a stack.
  if (err instanceof StaffError) fail(err.message);
  if (err instanceof ConfigError) fail(`configuration: ${err.message}`);
  throw err;
});
