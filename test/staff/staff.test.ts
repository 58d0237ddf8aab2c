import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/database.ts';
import { verifyPassword } from '../../src/staff/password.ts';
import { sessionStaff, startSession } from '../../src/staff/sessions.ts';
import { addStaff, disableStaff, findByEmployeeNo, listStaff, newStaffSchema, setPassword, StaffError } from '../../src/staff/staff.ts';
import { testDatabase } from '../support/database.ts';

let database: Database;
beforeAll(async () => {
  database = await testDatabase();
});
afterAll(async () => {
  await database.close();
});

const NOW = new Date('2026-11-25T04:00:00Z');
const person = (employeeNo: string, extra: Partial<Parameters<typeof addStaff>[1]> = {}) =>
  addStaff(database.db, { employeeNo, name: '张敏', role: 'agent', skills: { tickets: 3, general: 2 }, password: 'first-password', ...extra });

describe('the roster', () => {
  it('lists everyone in employee-number order with role, skills and whether disabled, never a password hash', async () => {
    await person('1101', { name: '王芳', skills: { general: 3 } });
    await person('999', { name: '李伟', role: 'supervisor', skills: {} });
    const listed = (await listStaff(database.db)).filter((p) => ['999', '1101'].includes(p.employeeNo));
    expect(listed).toEqual([
      { id: expect.any(Number), employeeNo: '999', name: '李伟', role: 'supervisor', skills: {}, disabled: false },
      { id: expect.any(Number), employeeNo: '1101', name: '王芳', role: 'agent', skills: { general: 3 }, disabled: false },
    ]);
  });

  it('refuses an employee number that is already taken and keeps the person who has it', async () => {
    await person('1102', { name: '刘洋' });
    await expect(person('1102', { name: '陈静' })).rejects.toThrow(new StaffError('employee number 1102 is already taken'));
    expect(await findByEmployeeNo(database.db, '1102')).toMatchObject({ name: '刘洋' });
  });

  it('keeps only a hash of the password', async () => {
    await person('1103');
    const row = await findByEmployeeNo(database.db, '1103');
    expect(row!.passwordHash).not.toContain('first-password');
    expect(await verifyPassword('first-password', row!.passwordHash)).toBe(true);
  });
});

describe('a new password', () => {
  it('replaces the old one and ends the sessions opened with it', async () => {
    const added = await person('1104');
    const { token } = await startSession(database.db, added.id, NOW, 12);
    await setPassword(database.db, '1104', 'second-password');
    const row = await findByEmployeeNo(database.db, '1104');
    expect(await verifyPassword('second-password', row!.passwordHash)).toBe(true);
    expect(await verifyPassword('first-password', row!.passwordHash)).toBe(false);
    expect(await sessionStaff(database.db, token, NOW)).toBeUndefined();
  });

  it('is refused for an unknown employee number', async () => {
    await expect(setPassword(database.db, '8888', 'second-password')).rejects.toThrow('no staff member has employee number 8888');
  });
});

describe('disabling someone', () => {
  it('shows in the roster and ends their sessions at once', async () => {
    const added = await person('1105');
    const { token } = await startSession(database.db, added.id, NOW, 12);
    expect(await sessionStaff(database.db, token, NOW)).toMatchObject({ employeeNo: '1105' });
    await disableStaff(database.db, '1105');
    expect((await listStaff(database.db)).find((p) => p.employeeNo === '1105')).toMatchObject({ disabled: true });
    expect(await sessionStaff(database.db, token, NOW)).toBeUndefined();
  });

  it('is refused for an unknown employee number', async () => {
    await expect(disableStaff(database.db, '8888')).rejects.toThrow('no staff member has employee number 8888');
  });
});

describe('what may be entered for a new staff member', () => {
  const valid = { employeeNo: '1009', name: ' 张敏 ', role: 'agent', skills: { tickets: 3, 'lost-and-found': 5 }, password: 'long-enough' };
  const problem = (change: Record<string, unknown>) => {
    const issue = newStaffSchema.safeParse({ ...valid, ...change }).error?.issues[0];
    return issue && `${issue.path.join('.')} ${issue.message}`;
  };

  it('takes a 3 to 10 digit employee number, a name, one of the four roles and skills at levels 1 to 5', () => {
    expect(newStaffSchema.parse(valid)).toEqual({ ...valid, name: '张敏' });
    expect(newStaffSchema.parse({ ...valid, skills: undefined }).skills).toEqual({});
  });

  it('names the field and what is wrong with it', () => {
    expect(problem({ employeeNo: '12' })).toBe('employeeNo must be 3 to 10 digits');
    expect(problem({ employeeNo: '12345678901' })).toBe('employeeNo must be 3 to 10 digits');
    expect(problem({ employeeNo: 'A1009' })).toBe('employeeNo must be 3 to 10 digits');
    expect(problem({ employeeNo: undefined })).toBe('employeeNo is required');
    expect(problem({ name: '  ' })).toBe('name is required');
    expect(problem({ role: 'boss' })).toBe('role must be one of agent, supervisor, manager, trainer');
    expect(problem({ skills: { Tickets: 3 } })).toBe('skills.Tickets is not a skill name: use lower-case letters, digits and -');
    expect(problem({ skills: { 'lost-': 3 } })).toBe('skills.lost- is not a skill name: use lower-case letters, digits and -');
    expect(problem({ skills: { tickets: 6 } })).toBe('skills.tickets must be a whole number from 1 to 5');
    expect(problem({ skills: { tickets: 2.5 } })).toBe('skills.tickets must be a whole number from 1 to 5');
    expect(problem({ skills: { tickets: 0 } })).toBe('skills.tickets must be a whole number from 1 to 5');
    expect(problem({ password: 'short' })).toBe('password must be at least 8 characters');
  });
});
