/**
 * @mention helpers for the composer (autocomplete) and for rendering
 * (highlighting). Pure functions over text, a caret position and names.
 */

export interface MentionQuery {
  /** Index of the '@'. */
  start: number;
  /** What follows the '@' up to the caret. */
  query: string;
}

export interface MentionCandidate {
  id: string;
  name: string;
  kind: 'human' | 'persona' | 'unspecified';
}

const MAX_QUERY = 40;

/**
 * The mention being typed at `caret`, if any: an '@' at the start of the
 * text or after a space or punctuation (not inside a word such as an email
 * address), followed by up to 40 characters without a newline or another '@'.
 */
export function findMentionQuery(text: string, caret: number): MentionQuery | null {
  const upto = text.slice(0, Math.max(0, Math.min(caret, text.length)));
  const at = upto.lastIndexOf('@');
  if (at < 0) return null;
  const query = upto.slice(at + 1);
  if (query.length > MAX_QUERY || /[\n@]/.test(query)) return null;
  if (at > 0) {
    const before = upto[at - 1]!;
    if (/[\p{L}\p{N}_]/u.test(before)) return null;
  }
  return { start: at, query };
}

function rank(name: string, query: string): number | null {
  const n = name.toLocaleLowerCase();
  const q = query.toLocaleLowerCase();
  if (!q) return 2;
  if (n.startsWith(q)) return n.length === q.length ? 0 : 1;
  if (!/\s/.test(q) && n.split(/[\s\-_.]+/).some((word) => word.startsWith(q))) return 3;
  return null;
}

/**
 * Participants matching `query`, best first: exact, then name prefix, then
 * word prefix; personas before people at the same rank; then by name.
 */
export function matchMentions<T extends MentionCandidate>(
  query: string,
  candidates: readonly T[],
  options: { excludeId?: string; limit?: number } = {},
): T[] {
  const limit = options.limit ?? 8;
  const scored: { c: T; r: number }[] = [];
  for (const c of candidates) {
    if (!c.name || c.id === options.excludeId) continue;
    const r = rank(c.name, query);
    if (r !== null) scored.push({ c, r });
  }
  scored.sort(
    (a, b) =>
      a.r - b.r ||
      Number(b.c.kind === 'persona') - Number(a.c.kind === 'persona') ||
      a.c.name.localeCompare(b.c.name),
  );
  return scored.slice(0, limit).map((s) => s.c);
}

/**
 * Replaces the mention being typed with `@Name ` and returns the new text
 * and caret. No extra space is added when one already follows the caret.
 */
export function applyMention(
  text: string,
  mention: MentionQuery,
  caret: number,
  name: string,
): { text: string; caret: number } {
  const end = Math.max(mention.start, Math.min(caret, text.length));
  const after = text.slice(end);
  const insert = `@${name}` + (after.startsWith(' ') ? '' : ' ');
  const next = text.slice(0, mention.start) + insert + after;
  const pos = mention.start + insert.length + (after.startsWith(' ') ? 1 : 0);
  return { text: next, caret: pos };
}

export interface TextSegment {
  text: string;
  /** Set when this segment is `@Name` for a known name. */
  mention?: string;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Splits text into plain runs and `@Name` runs for the given names (longest
 * name wins, case-insensitive, not followed by a letter or digit).
 */
export function splitMentions(text: string, names: readonly string[]): TextSegment[] {
  const usable = [...new Set(names.filter((n) => n.trim()))].sort((a, b) => b.length - a.length);
  if (!usable.length || !text.includes('@')) return text ? [{ text }] : [];
  const pattern = new RegExp(
    `(^|[^\\p{L}\\p{N}_])@(${usable.map(escapeRegExp).join('|')})(?![\\p{L}\\p{N}_])`,
    'giu',
  );
  const byLower = new Map(usable.map((n) => [n.toLocaleLowerCase(), n]));
  const out: TextSegment[] = [];
  let last = 0;
  for (const m of text.matchAll(pattern)) {
    const lead = m[1] ?? '';
    const start = (m.index ?? 0) + lead.length;
    if (start > last) out.push({ text: text.slice(last, start) });
    const token = text.slice(start, (m.index ?? 0) + m[0].length);
    const raw = m[2] ?? '';
    out.push({ text: token, mention: byLower.get(raw.toLocaleLowerCase()) ?? raw });
    last = start + token.length;
  }
  if (last < text.length) out.push({ text: text.slice(last) });
  return out;
}
