/**
 * Per-reply timing detail (ReplyEnded.timing), kept for the newest replies
 * and described for people: how long the persona waited for its turn, how
 * soon it started, and how much of its prompt the model could reuse.
 */
import type { ReplyTiming } from '../api/models';

export type ReplyTimings = Readonly<Record<string, ReplyTiming>>;

/** Timings kept; older ones are forgotten first. */
export const MAX_REPLY_TIMINGS = 200;

export function rememberTiming(
  timings: ReplyTimings,
  replyId: string,
  timing: ReplyTiming | null,
  max = MAX_REPLY_TIMINGS,
): ReplyTimings {
  if (!replyId || !timing) return timings;
  const entries = Object.entries(timings).filter(([id]) => id !== replyId);
  entries.push([replyId, timing]);
  return Object.fromEntries(entries.slice(-max));
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
}

function span(from: number, to: number): number | null {
  return from > 0 && to >= from ? to - from : null;
}

export interface TimingDescription {
  /** A few words for the collapsed view, e.g. "first word 1.2 s". */
  summary: string;
  lines: string[];
}

export function describeTiming(t: ReplyTiming): TimingDescription {
  const wait = span(t.receivedAtMs, t.modelStartAtMs);
  const first = span(t.modelStartAtMs, t.firstTokenAtMs);
  const fromAsk = span(t.receivedAtMs, t.firstTokenAtMs);
  const total = span(t.receivedAtMs, t.doneAtMs);
  const writing = span(t.firstTokenAtMs, t.doneAtMs);
  const lines: string[] = [];
  if (wait !== null && wait >= 100) lines.push(`Waited ${seconds(wait)} for its turn`);
  if (first !== null) lines.push(`First word ${seconds(first)} after its turn came`);
  if (writing !== null && t.completionTokens > 1) {
    const rate = ((t.completionTokens - 1) * 1000) / Math.max(writing, 1);
    lines.push(`Wrote ${t.completionTokens} tokens at ${rate.toFixed(1)} tokens/s`);
  }
  if (t.promptTokens > 0) {
    const read = t.promptTokens - t.promptTokensCached;
    lines.push(
      `Read ${read} new prompt tokens; reused ${t.promptTokensCached} of ${t.promptTokens} from earlier turns`,
    );
  }
  if (total !== null) lines.push(`${seconds(total)} from the question to the end`);
  const summary = fromAsk !== null ? `first word ${seconds(fromAsk)}` : total !== null ? seconds(total) : '';
  return { summary, lines };
}
