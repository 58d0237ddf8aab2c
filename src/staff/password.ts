import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * Password hashes as `scrypt$N$r$p$salt$hash` (salt and hash in base64). The parameters travel with each
 * hash, so they can be raised later without locking out anyone whose hash was made with the old ones.
 */

/** 2^15 × 8 × 128 bytes = 32 MiB and about a tenth of a second per hash: slow for a guesser, fine for a login. */
const COST = { N: 2 ** 15, r: 8, p: 1 };
const SALT_BYTES = 16;
const KEY_BYTES = 32;

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const hash = await derive(password, salt, KEY_BYTES, COST);
  return ['scrypt', COST.N, COST.r, COST.p, salt.toString('base64'), hash.toString('base64')].join('$');
}

/** Does the password match the stored hash? A malformed hash matches nothing. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/.exec(stored);
  if (!parts) return false;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  const expected = Buffer.from(parts[5]!, 'base64');
  if (expected.length < 16) return false; // a truncated hash would make almost any password "match"
  try {
    const actual = await derive(password, Buffer.from(parts[4]!, 'base64'), expected.length, { N, r, p });
    return timingSafeEqual(actual, expected);
  } catch {
    return false; // parameters scrypt refuses (N not a power of two, …)
  }
}

let dummy: Promise<string> | undefined;

/**
 * Spend as long as checking a real password, for logins of nobody: an unknown employee number must not be
 * told apart by a quicker answer.
 */
export async function verifyNobody(password: string): Promise<false> {
  dummy ??= hashPassword('not anybody’s password');
  await verifyPassword(password, await dummy);
  return false;
}

function derive(password: string, salt: Buffer, length: number, cost: ScryptOptions & { N: number; r: number }): Promise<Buffer> {
  // Node refuses above maxmem (32 MiB by default), which this cost reaches exactly.
  const options = { ...cost, maxmem: 256 * cost.N * cost.r };
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFC'), salt, length, options, (err, key) => (err ? reject(err) : resolve(key))),
  );
}
