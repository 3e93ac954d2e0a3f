import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff';

describe('backoffDelay', () => {
  it('doubles from 0.5 s and stops at 8 s', () => {
    const mid = () => 0.5;
    expect([0, 1, 2, 3, 4, 5, 10].map((a) => backoffDelay(a, mid))).toEqual([500, 1000, 2000, 4000, 8000, 8000, 8000]);
  });

  it('jitters within ±20 % and stays within bounds', () => {
    expect(backoffDelay(0, () => 0)).toBe(400);
    expect(backoffDelay(1, () => 1)).toBe(1200);
    expect(backoffDelay(9, () => 1)).toBe(8000);
  });
});
