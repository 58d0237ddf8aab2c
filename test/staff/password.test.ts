import { randomBytes, scryptSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hashPassword, verifyPassword } from '../../src/staff/password.ts';

describe('password hashes', () => {
  it('accept the password they were made from and refuse any other', async () => {
    const stored = await hashPassword('列车准点-G1234');
    expect(await verifyPassword('列车准点-G1234', stored)).toBe(true);
    expect(await verifyPassword('列车准点-G1235', stored)).toBe(false);
    expect(await verifyPassword('', stored)).toBe(false);
  });

  it('are stored as scrypt$N$r$p$salt$hash, salted afresh each time, never holding the password', async () => {
    const [a, b] = [await hashPassword('sanling'), await hashPassword('sanling')];
    expect(a).toMatch(/^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain('sanling');
    expect(await verifyPassword('sanling', b)).toBe(true);
  });

  it('are checked with the cost parameters they were made with, so the cost can be raised later', async () => {
    const salt = randomBytes(16);
    const older = ['scrypt', 2 ** 14, 8, 1, salt.toString('base64'), scryptSync('sanling', salt, 32, { N: 2 ** 14 }).toString('base64')].join('$');
    expect(await verifyPassword('sanling', older)).toBe(true);
    expect(await verifyPassword('Sanling', older)).toBe(false);
  });

  it('match nothing when the stored hash is damaged', async () => {
    const stored = await hashPassword('sanling');
    for (const damaged of ['', 'sanling', stored.replace(/\$[^$]+$/, '$='), stored.replace('scrypt$32768', 'scrypt$1000'), `bcrypt${stored.slice(6)}`]) {
      expect(await verifyPassword('sanling', damaged)).toBe(false);
    }
  });
});
