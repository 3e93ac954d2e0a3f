import { describe, expect, it } from 'vitest';
import { ChorusStorage, MemoryStore } from './storage';

describe('ChorusStorage', () => {
  it('remembers rooms newest first and never drops a known owner token', () => {
    const s = new ChorusStorage(new MemoryStore());
    s.saveRoom({ roomId: 'a', name: 'A', inviteToken: 'ia', ownerToken: 'oa', savedAtMs: 1 });
    s.saveRoom({ roomId: 'b', name: 'B', inviteToken: 'ib', savedAtMs: 2 });
    s.saveRoom({ roomId: 'a', name: '', inviteToken: 'ia' });
    expect(s.rooms().map((r) => r.roomId)).toEqual(['b', 'a']);
    expect(s.room('a')).toMatchObject({ name: 'A', ownerToken: 'oa' });
    s.renameRoom('a', 'Renamed');
    expect(s.room('a')?.name).toBe('Renamed');
  });

  it('keeps a display name and participant token per room', () => {
    const s = new ChorusStorage(new MemoryStore());
    expect(s.identity('a')).toBeNull();
    s.setParticipantToken('a', 'ignored-without-a-name');
    expect(s.identity('a')).toBeNull();
    s.setDisplayName('a', 'Mia');
    s.setParticipantToken('a', 'pt');
    expect(s.identity('a')).toEqual({ displayName: 'Mia', participantToken: 'pt' });
    expect(s.lastDisplayName()).toBe('Mia');
    s.forgetRoom('a');
    expect(s.identity('a')).toBeNull();
  });

  it('survives garbage in storage', () => {
    const store = new MemoryStore();
    store.setItem('chorus.rooms.v1', '{not json');
    expect(new ChorusStorage(store).rooms()).toEqual([]);
  });
});

describe('drafts, outcomes and theme', () => {
  it('keeps a draft per room and forgets it once empty', () => {
    const s = new ChorusStorage(new MemoryStore());
    s.setDraft('r1', 'half a thought');
    expect(s.draft('r1')).toBe('half a thought');
    expect(s.draft('r2')).toBe('');
    s.setDraft('r1', '');
    expect(s.draft('r1')).toBe('');
  });

  it('keeps how answers ended, and the theme', () => {
    const s = new ChorusStorage(new MemoryStore());
    expect(s.outcomes('r1')).toEqual({});
    s.setOutcomes('r1', { 'm|p': { text: 'Ada chose not to answer', tone: 'muted' } });
    expect(s.outcomes('r1')['m|p']?.text).toBe('Ada chose not to answer');
    expect(s.theme()).toBe('');
    s.setTheme('dark');
    expect(s.theme()).toBe('dark');
    s.setTheme('');
    expect(s.theme()).toBe('');
  });
});
