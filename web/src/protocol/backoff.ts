/** Reconnect delays: 0.5 s, 1 s, 2 s, 4 s, then 8 s, each ±20 % so clients spread out. */
export const BACKOFF_MIN_MS = 500;
export const BACKOFF_MAX_MS = 8000;

export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** Math.max(0, attempt));
  const jittered = base * (0.8 + 0.4 * random());
  return Math.round(Math.min(BACKOFF_MAX_MS, Math.max(BACKOFF_MIN_MS * 0.8, jittered)));
}
