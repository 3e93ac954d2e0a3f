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
