import { describe, expect, it } from 'vitest';
import type { ReplyTiming } from '../api/models';
import { describeTiming, rememberTiming } from './replyTimings';

const TIMING: ReplyTiming = {
  receivedAtMs: 10_000,
  modelStartAtMs: 12_000,
  firstTokenAtMs: 12_400,
  doneAtMs: 14_400,
  promptTokens: 900,
  promptTokensCached: 870,
  completionTokens: 41,
};

describe('reply timings', () => {
  it('describes the wait, the first word, the rate and the reuse', () => {
    const d = describeTiming(TIMING);
    expect(d.summary).toBe('first word 2.4 s');
    expect(d.lines).toEqual([
      'Waited 2.0 s for its turn',
      'First word 0.4 s after its turn came',
      'Wrote 41 tokens at 20.0 tokens/s',
      'Read 30 new prompt tokens; reused 870 of 900 from earlier turns',
      '4.4 s from the question to the end',
    ]);
  });

  it('leaves out marks that were never reached', () => {
    const failed = { ...TIMING, firstTokenAtMs: 0, promptTokens: 0, promptTokensCached: 0, completionTokens: 0 };
    expect(describeTiming(failed).lines).toEqual(['Waited 2.0 s for its turn', '4.4 s from the question to the end']);
    expect(describeTiming(failed).summary).toBe('4.4 s');
  });

  it('keeps the newest timings only', () => {
    let kept = {};
    for (let i = 0; i < 5; i++) kept = rememberTiming(kept, `r${i}`, TIMING, 3);
    expect(Object.keys(kept)).toEqual(['r2', 'r3', 'r4']);
    expect(rememberTiming(kept, 'x', null)).toBe(kept);
  });
});
