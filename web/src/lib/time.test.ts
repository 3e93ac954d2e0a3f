import { describe, expect, it } from 'vitest';
import { dayKey, dayLabel } from './time';

describe('date separators', () => {
  const now = new Date(2026, 11, 2, 15, 0).getTime();
  it('says Today and Yesterday, then the date', () => {
    expect(dayLabel(new Date(2026, 11, 2, 0, 5).getTime(), now)).toBe('Today');
    expect(dayLabel(new Date(2026, 11, 1, 23, 59).getTime(), now)).toBe('Yesterday');
    expect(dayLabel(new Date(2026, 10, 20, 12).getTime(), now)).toContain('2026');
  });
  it('groups by local calendar day', () => {
    expect(dayKey(new Date(2026, 11, 2, 0, 1).getTime())).toBe(dayKey(new Date(2026, 11, 2, 23, 59).getTime()));
    expect(dayKey(0)).toBe(0);
  });
});
