import { describe, expect, it } from 'vitest';
import { inviteLink, inviteTokenFromHash, parseInviteLink, roomIdFromPath } from './invite';

describe('invite links', () => {
  it('puts the token in the fragment', () => {
    expect(inviteLink('https://chorus.example', 'r_123', 'tok-abc')).toBe('https://chorus.example/r/r_123#invite=tok-abc');
  });

  it('round-trips tokens with awkward characters', () => {
    const link = inviteLink('http://127.0.0.1:8000', 'room 1/2', 'a+b/c=d&e');
    expect(parseInviteLink(link)).toEqual({ roomId: 'room 1/2', inviteToken: 'a+b/c=d&e' });
  });

  it('parses links, paths and fragments', () => {
    expect(parseInviteLink('http://h/r/abc#invite=xyz')).toEqual({ roomId: 'abc', inviteToken: 'xyz' });
    expect(parseInviteLink(' /r/abc/#invite=xyz&other=1 ')).toEqual({ roomId: 'abc', inviteToken: 'xyz' });
    expect(parseInviteLink('http://h/r/abc')).toBeNull();
    expect(parseInviteLink('http://h/rooms/abc#invite=xyz')).toBeNull();
    expect(parseInviteLink('http://h/r/abc#invite=')).toBeNull();
  });

  it('reads the room id from a path', () => {
    expect(roomIdFromPath('/r/abc')).toBe('abc');
    expect(roomIdFromPath('/r/abc/')).toBe('abc');
    expect(roomIdFromPath('/r/')).toBeNull();
    expect(roomIdFromPath('/r/abc/extra')).toBeNull();
    expect(roomIdFromPath('/')).toBeNull();
    expect(roomIdFromPath('/r/%E0%A4%A')).toBeNull();
  });

  it('reads the token from a hash with or without #', () => {
    expect(inviteTokenFromHash('#invite=t1')).toBe('t1');
    expect(inviteTokenFromHash('invite=t1')).toBe('t1');
    expect(inviteTokenFromHash('')).toBeNull();
    expect(inviteTokenFromHash('#foo=bar')).toBeNull();
  });
});
