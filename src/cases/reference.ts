import { randomInt } from 'node:crypto';
import type { CaseType } from './choices.ts';

/**
 * A case's reference, read to the passenger over the phone and typed back into the status page: a letter for
 * the type and six characters from an alphabet without 0/O, 1/I/L and U/V, so that nothing said or written
 * can be mistaken for something else. 29⁶ ≈ 595 million per type: guessing one is hopeless, and the status
 * lookup wants the phone number too.
 */
export const REFERENCE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTWXYZ';
const LENGTH = 6;
const PREFIX: Record<CaseType, string> = { complaint: 'C', 'lost-item': 'L', 'luggage-claim': 'B', callback: 'R', enquiry: 'E' };

export function newReference(type: CaseType): string {
  let code = PREFIX[type];
  for (let i = 0; i < LENGTH; i++) code += REFERENCE_ALPHABET[randomInt(REFERENCE_ALPHABET.length)];
  return code;
}

/** A reference as a person typed or said it: case and separators ignored ("c-7kx 4qm" is C7KX4QM). */
export function normaliseReference(text: string): string {
  return text.toUpperCase().replace(/[\s\-_.]/g, '');
}

export function isReference(text: string): boolean {
  return new RegExp(`^[CLBRE][${REFERENCE_ALPHABET}]{${LENGTH}}$`).test(text);
}

/**
 * The part of a phone number that identifies it however it was written: the last eight digits
 * ("+86 138-0013-8000" and "13800138000" match). Empty when there are fewer than seven digits.
 */
export function contactKey(number: string): string {
  const digits = number.replace(/\D/g, '');
  return digits.length >= 7 ? digits.slice(-8) : '';
}
