import { describe, expect, it } from 'vitest';
import { applyMention, findMentionQuery, matchMentions, splitMentions, type MentionCandidate } from './mentions';

const people: MentionCandidate[] = [
  { id: 'me', name: 'Mia', kind: 'human' },
  { id: 'b', name: 'Bob', kind: 'human' },
  { id: 'a', name: 'Ada', kind: 'persona' },
  { id: 'al', name: 'Ada Lovelace', kind: 'persona' },
  { id: 'ab', name: 'Abe', kind: 'human' },
  { id: 'ma', name: 'Max Adams', kind: 'persona' },
];

describe('findMentionQuery', () => {
  it('finds the mention being typed at the caret', () => {
    expect(findMentionQuery('hi @Ad', 6)).toEqual({ start: 3, query: 'Ad' });
    expect(findMentionQuery('@', 1)).toEqual({ start: 0, query: '' });
    expect(findMentionQuery('(@bo', 4)).toEqual({ start: 1, query: 'bo' });
  });

  it('looks only at the text before the caret', () => {
    expect(findMentionQuery('hi @Ada and more', 7)).toEqual({ start: 3, query: 'Ada' });
    expect(findMentionQuery('hi @Ada', 2)).toBeNull();
  });

  it('ignores email addresses, other lines and long runs', () => {
    expect(findMentionQuery('mail bob@example.com', 20)).toBeNull();
    expect(findMentionQuery('@Ada\nhello', 10)).toBeNull();
    expect(findMentionQuery(`@${'x'.repeat(41)}`, 42)).toBeNull();
    expect(findMentionQuery('no mention', 10)).toBeNull();
  });
});

describe('matchMentions', () => {
  it('ranks exact, then prefix, then word prefix; personas first; never yourself', () => {
    expect(matchMentions('ada', people, { excludeId: 'me' }).map((c) => c.name)).toEqual([
      'Ada',
      'Ada Lovelace',
      'Max Adams',
    ]);
    expect(matchMentions('a', people, { excludeId: 'me' }).map((c) => c.name)).toEqual([
      'Ada',
      'Ada Lovelace',
      'Abe',
      'Max Adams',
    ]);
  });

  it('offers everyone for a bare @, personas first, up to the limit', () => {
    expect(matchMentions('', people, { excludeId: 'me', limit: 3 }).map((c) => c.name)).toEqual([
      'Ada',
      'Ada Lovelace',
      'Max Adams',
    ]);
  });

  it('matches names with spaces by prefix only', () => {
    expect(matchMentions('Ada L', people).map((c) => c.name)).toEqual(['Ada Lovelace']);
    expect(matchMentions('zed', people)).toEqual([]);
  });
});

describe('applyMention', () => {
  it('replaces the query with @Name and a space, and moves the caret after it', () => {
    const text = 'hey @ad';
    const r = applyMention(text, { start: 4, query: 'ad' }, 7, 'Ada');
    expect(r).toEqual({ text: 'hey @Ada ', caret: 9 });
  });

  it('keeps the text after the caret and does not double a space', () => {
    const r = applyMention('hey @ad how are you', { start: 4, query: 'ad' }, 7, 'Ada Lovelace');
    expect(r.text).toBe('hey @Ada Lovelace how are you');
    expect(r.text.slice(0, r.caret)).toBe('hey @Ada Lovelace ');
  });
});

describe('splitMentions', () => {
  it('highlights known names, longest first, case-insensitively', () => {
    expect(splitMentions('hi @ada lovelace and @Bob!', ['Ada', 'Ada Lovelace', 'Bob'])).toEqual([
      { text: 'hi ' },
      { text: '@ada lovelace', mention: 'Ada Lovelace' },
      { text: ' and ' },
      { text: '@Bob', mention: 'Bob' },
      { text: '!' },
    ]);
  });

  it('leaves unknown names, emails and partial words alone', () => {
    expect(splitMentions('mail bob@Bob.com or @Bobby', ['Bob'])).toEqual([{ text: 'mail bob@Bob.com or @Bobby' }]);
    expect(splitMentions('', ['Bob'])).toEqual([]);
  });
});
