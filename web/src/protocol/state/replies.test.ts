import { describe, expect, it } from 'vitest';
import type { RoomEvent } from '../../api/models';
import { ADA, BOB, ME, ROOM, ephemeral, messageEvent, persona, welcome } from '../../test/fixtures';
import {
  answerNotes,
  initialRoomState,
  personasAsked,
  replyActivity,
  roomReducer,
  waitingTurns,
  type RoomAction,
  type RoomState,
} from '../roomState';

const REX = persona('p-rex', 'Rex', 'Critic');
const run = (s: RoomState, ...a: RoomAction[]) => a.reduce(roomReducer, s);
const ev = (event: RoomEvent, now = 0): RoomAction => ({ type: 'event', event, now });
const joined = (lastSeq = 10) =>
  run(initialRoomState(ROOM), {
    type: 'welcome',
    welcome: welcome({
      replayAfterSeq: lastSeq,
      room: { id: ROOM, name: 'L', description: '', participants: [ME, BOB, ADA, REX], lastSeq, createdAtMs: 1 },
    }),
    now: 0,
  });
const start = (replyId: string, personaId: string, inReplyToId: string) =>
  ev(ephemeral('replyStarted', { replyId, personaId, inReplyToId, depth: 0 }));
const end = (replyId: string, personaId: string, outcome: 'declined' | 'interrupted' | 'completed', reason = '', messageSeq = 0) =>
  ev(ephemeral('replyEnded', { replyId, personaId, outcome, error: null, messageSeq, timing: null, reason }));

describe('who a message asks', () => {
  const lookup = () => undefined;
  it('asks every persona for @all and @everyone, in room order', () => {
    const m = messageEvent(1, { text: 'hi @ALL!' });
    if (m.type !== 'message') throw new Error();
    expect(personasAsked(m.message, [ME, ADA, REX], lookup)).toEqual([ADA.id, REX.id]);
    expect(personasAsked({ ...m.message, text: 'mail me@all.com' }, [ADA, REX], lookup)).toEqual([]);
  });
  it('asks the mentioned personas, or the persona replied to', () => {
    const m = messageEvent(1, { text: '@Rex @Ada', mentionIds: [REX.id, ADA.id] });
    if (m.type !== 'message') throw new Error();
    expect(personasAsked(m.message, [ADA, REX], lookup)).toEqual([ADA.id, REX.id]);
    const target = { ...m.message, id: 'x', authorId: REX.id, authorKind: 'persona' as const };
    expect(personasAsked({ ...m.message, mentionIds: [], text: 'why?', replyToId: 'x' }, [ADA, REX], () => target)).toEqual([
      REX.id,
    ]);
  });
});

describe('the turn queue', () => {
  it('shows personas waiting their turn in order, and moves them on as they start', () => {
    let s = run(joined(), ev(messageEvent(11, { text: '@all hello' })));
    expect(waitingTurns(s)).toEqual([{ triggerId: 'm-11', names: ['Ada', 'Rex'] }]);
    s = run(s, start('r1', ADA.id, 'm-11'));
    expect(waitingTurns(s)).toEqual([{ triggerId: 'm-11', names: ['Rex'] }]);
    expect(replyActivity(s, s.replies[0]!)).toBe('reading the room…');
    s = run(s, start('r2', REX.id, 'm-11'));
    expect(waitingTurns(s)).toEqual([]);
    expect(replyActivity(s, s.replies[1]!)).toBe('waiting for Ada to finish…');
  });

  it('does not queue for backlog messages, and Stop all empties it', () => {
    const s = run(joined(20), ev(messageEvent(15, { text: '@all old' })));
    expect(s.queue).toEqual([]);
    const t = run(joined(), ev(messageEvent(11, { text: '@all hello' })), { type: 'replyStopping', replyId: '' });
    expect(t.queue).toEqual([]);
  });
});

describe('stopped turns', () => {
  it('drops a waiting turn that does not start soon after the reply before it was stopped', () => {
    let s = run(joined(), ev(messageEvent(11, { text: '@all hello' })), start('r1', ADA.id, 'm-11'));
    s = run(s, ev(ephemeral('replyEnded', { replyId: 'r1', personaId: ADA.id, outcome: 'interrupted', error: null, messageSeq: 0, timing: null, reason: '' }), 1000));
    expect(waitingTurns(s)).toEqual([{ triggerId: 'm-11', names: ['Rex'] }]);
    expect(run(s, { type: 'queueExpired', now: 5000 }).queue).toHaveLength(1);
    expect(run(s, { type: 'queueExpired', now: 9000 }).queue).toEqual([]);
    // The next one starting in time keeps it going.
    const t = run(s, start('r2', REX.id, 'm-11'), { type: 'queueExpired', now: 9000 });
    expect(t.replies.map((r) => r.personaId)).toEqual([REX.id]);
  });
});

describe('answer notes', () => {
  it('keeps the decline reason by asking message and persona', () => {
    const s = run(
      joined(),
      ev(messageEvent(11, { text: '@Ada hi', mentionIds: [ADA.id] })),
      start('r1', ADA.id, 'm-11'),
      end('r1', ADA.id, 'declined', 'repeated what was already said'),
    );
    expect(s.timeline.filter((i) => i.kind === 'note')).toEqual([]);
    expect(answerNotes(s).get('m-11')).toEqual([
      { key: 'm-11|p-ada', personaId: ADA.id, text: 'Ada chose not to answer — repeated what was already said', tone: 'muted' },
    ]);
    // After a reload: the remembered outcomes come back with the history.
    const again = run(
      { ...initialRoomState(ROOM, s.outcomes) },
      { type: 'welcome', welcome: welcome({ replayAfterSeq: 10, room: { ...welcome().room, participants: [ME, ADA, REX], lastSeq: 11 } }), now: 0 },
      ev(messageEvent(11, { text: '@Ada hi', mentionIds: [ADA.id] })),
    );
    expect(answerNotes(again).get('m-11')?.[0]?.text).toContain('repeated what was already said');
  });

  it('derives "did not answer" from history, but not while answering or answered', () => {
    let s = run(joined(20), ev(messageEvent(21 - 10, { text: '@all hi' })));
    s = run(joined(5), ev(messageEvent(6, { text: '@all hi' })));
    // Not live (seq 6 > welcomeSeq 5 is live): both wait in the queue, so no notes.
    expect(answerNotes(s).size).toBe(0);
    s = run(s, start('r1', ADA.id, 'm-6'), ev(messageEvent(7, { id: 'r1', authorId: ADA.id, authorKind: 'persona', replyToId: 'm-6' })));
    s = run(s, start('r2', REX.id, 'm-6'), end('r2', REX.id, 'interrupted'));
    expect(answerNotes(s).get('m-6')?.map((n) => n.text)).toEqual(['Rex was stopped before saying anything']);
    const history = run(joined(30), { type: 'historyLoaded', epoch: 1, page: { events: [messageEvent(3, { text: '@Ada?', mentionIds: [ADA.id] })], hasMore: false } });
    expect(answerNotes(history).get('m-3')?.map((n) => n.text)).toEqual(['Ada did not answer']);
  });

  it('says a reply was stopped by you', () => {
    const s = run(
      joined(),
      ev(messageEvent(11, { text: '@Ada hi', mentionIds: [ADA.id] })),
      start('r1', ADA.id, 'm-11'),
      { type: 'replyStopping', replyId: 'r1' },
      end('r1', ADA.id, 'interrupted'),
    );
    expect(s.stoppedByYou).toEqual(['r1']);
    expect(answerNotes(s).get('m-11')?.[0]?.text).toBe('Ada was stopped by you before saying anything');
  });
});
