import { Fragment, useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import type { Message, Participant } from '../../api/models';
import { dayKey, dayLabel } from '../../lib/time';
import {
  answerNotes,
  replyActivity,
  waitingTurns,
  type AnswerNote,
  type PendingSend,
  type RoomState,
  type TimelineItem,
} from '../../protocol/roomState';
import { MessageItem } from './MessageItem';
import { PendingItem } from './PendingItem';
import { StreamingReplyItem } from './StreamingReplyItem';

interface Props {
  state: RoomState;
  messagesById: Map<string, Message>;
  onLoadEarlier: () => void;
  onReply: (m: Message) => void;
  onStop: (replyId: string) => void;
  onRetry: (clientMsgId: string) => void;
  onDiscard: (clientMsgId: string) => void;
  onEdit: (pending: PendingSend) => void;
  onPlay?: (m: Message) => void;
  /** The reply whose speech is playing here. */
  speakingReplyId?: string | null;
  /** Messages by others not seen yet (scrolled up, or the tab hidden). */
  onUnreadChange?: (count: number) => void;
}

const NEAR_BOTTOM_PX = 48;
/** Start loading older messages this far from the top. */
const NEAR_TOP_PX = 400;
/** Items kept in the DOM at first; scrolling up reveals more, 150 at a time. */
const RENDER_WINDOW = 150;
/** Consecutive messages by one person within this window share a header. */
const GROUP_WINDOW_MS = 5 * 60_000;

function itemTime(item: TimelineItem): number {
  return item.kind === 'message' ? item.message.createdAtMs : item.atMs;
}

export function MessageList({
  state,
  messagesById,
  onLoadEarlier,
  onReply,
  onStop,
  onRetry,
  onDiscard,
  onEdit,
  onPlay,
  speakingReplyId = null,
  onUnreadChange,
}: Props) {
  const scroller = useRef<HTMLDivElement>(null);
  const stick = useRef(true);
  const prevHeight = useRef(0);
  const prevFirstKey = useRef<string | undefined>(undefined);
  const prevPending = useRef(0);
  const [atBottom, setAtBottom] = useState(true);
  const [revealed, setRevealed] = useState(0);
  /** The DOM window: pages loaded from history are shown whole (they were asked for). */
  const win = useRef({ count: RENDER_WINDOW, firstKey: undefined as string | undefined, length: 0 });
  const [actionsFor, setActionsFor] = useState('');
  /** Seq of the first message by someone else that arrived while away from the bottom; 0 when none. */
  const [unreadFrom, setUnreadFrom] = useState(0);
  const lastSeen = useRef(state.lastSeq);

  const participants = useMemo(() => {
    const map = new Map<string, Participant>();
    for (const p of state.participants) map.set(p.id, p);
    return map;
  }, [state.participants]);
  const names = useMemo(() => state.participants.map((p) => p.name), [state.participants]);
  const youId = state.you?.id ?? '';

  const w = win.current;
  const timelineFirst = state.timeline[0]?.key;
  if (timelineFirst !== w.firstKey) {
    if (w.firstKey !== undefined && state.timeline.length > w.length) w.count += state.timeline.length - w.length;
    w.firstKey = timelineFirst;
  }
  w.length = state.timeline.length;
  const hidden = Math.max(0, state.timeline.length - w.count - revealed);
  const shown = hidden ? state.timeline.slice(hidden) : state.timeline;

  // Where each answer note goes: after the last answer to the message that asked.
  const notesAfter = useMemo(() => {
    const notes = answerNotes(state);
    const anchor = new Map<string, string>();
    for (const item of state.timeline) {
      if (item.kind !== 'message') continue;
      const m = item.message;
      if (notes.has(m.id)) anchor.set(m.id, item.key);
      if (m.authorKind === 'persona' && m.replyToId && notes.has(m.replyToId)) anchor.set(m.replyToId, item.key);
    }
    const out = new Map<string, AnswerNote[]>();
    for (const [messageId, list] of notes) {
      const key = anchor.get(messageId);
      if (key) out.set(key, [...(out.get(key) ?? []), ...list]);
    }
    return out;
  }, [state.timeline, state.outcomes, state.replies, state.queue, state.participants]);

  // New messages by others while the reader is away from the bottom (or the tab is hidden).
  useEffect(() => {
    const from = lastSeen.current;
    lastSeen.current = state.lastSeq;
    if (state.lastSeq <= from) return;
    const away = !stick.current || document.hidden;
    if (!away) return;
    const first = state.timeline.find(
      (i) => i.kind === 'message' && i.seq > from && i.message.authorId !== youId,
    );
    if (first && !unreadFrom) setUnreadFrom(first.seq);
  }, [state.lastSeq, state.timeline, youId, unreadFrom]);

  const unread = useMemo(
    () =>
      unreadFrom
        ? state.timeline.filter((i) => i.kind === 'message' && i.seq >= unreadFrom && i.message.authorId !== youId)
            .length
        : 0,
    [state.timeline, unreadFrom, youId],
  );
  useEffect(() => onUnreadChange?.(unread), [unread, onUnreadChange]);

  const markRead = useCallback(() => {
    if (stick.current && !document.hidden) setUnreadFrom(0);
  }, []);
  useEffect(() => {
    document.addEventListener('visibilitychange', markRead);
    return () => document.removeEventListener('visibilitychange', markRead);
  }, [markRead]);

  // Keep the view pinned to the newest message, unless the reader scrolled up;
  // when older messages are prepended, keep what the reader was looking at in place.
  const firstKey = shown[0]?.key;
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const prepended =
      prevFirstKey.current !== undefined &&
      firstKey !== prevFirstKey.current &&
      shown.findIndex((i) => i.key === prevFirstKey.current) > 0;
    const sentSomething = state.pending.length > prevPending.current;
    if (prepended && !stick.current) {
      pinAnchor();
    } else if (stick.current || sentSomething) {
      el.scrollTop = el.scrollHeight;
      stick.current = true;
    }
    prevHeight.current = el.scrollHeight;
    prevFirstKey.current = firstKey;
    prevPending.current = state.pending.length;
  });

  /** The first visible item and its distance from the top, to keep in place when older items come in. */
  const anchor = useRef<{ seq: string; offset: number } | null>(null);
  const pinUntil = useRef(0);
  const captureAnchor = () => {
    const el = scroller.current;
    if (!el) return;
    const top = el.getBoundingClientRect().top;
    for (const node of el.querySelectorAll<HTMLElement>('[data-seq]')) {
      const r = node.getBoundingClientRect();
      if (r.bottom > top) {
        anchor.current = { seq: node.dataset.seq ?? '', offset: r.top - top };
        return;
      }
    }
  };
  const restoreAnchor = (): boolean => {
    const el = scroller.current;
    const a = anchor.current;
    if (!el || !a) return false;
    const node = el.querySelector<HTMLElement>(`[data-seq="${CSS.escape(a.seq)}"]`);
    if (!node) return false;
    const drift = node.getBoundingClientRect().top - el.getBoundingClientRect().top - a.offset;
    if (Math.abs(drift) >= 0.5) el.scrollTop += drift;
    return true;
  };
  /**
   * Keeps the anchor in place now and for a few frames after (items laid out
   * lazily by content-visibility settle their heights), until the reader moves.
   */
  const pinAnchor = () => {
    if (!restoreAnchor()) return;
    pinUntil.current = performance.now() + 700;
    const step = () => {
      if (performance.now() > pinUntil.current) return;
      restoreAnchor();
      requestAnimationFrame(step);
    };
    requestAnimationFrame(step);
  };
  useEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const release = () => {
      pinUntil.current = 0;
    };
    const events = ['wheel', 'touchstart', 'keydown', 'mousedown'] as const;
    for (const e of events) el.addEventListener(e, release, { passive: true });
    return () => {
      for (const e of events) el.removeEventListener(e, release);
    };
  }, []);

  const revealOrLoad = useCallback(() => {
    captureAnchor();
    if (hidden > 0) setRevealed((c) => c + RENDER_WINDOW);
    else if (state.hasMoreBefore && !state.loadingHistory) onLoadEarlier();
  }, [hidden, state.hasMoreBefore, state.loadingHistory, onLoadEarlier]);

  const onScroll = () => {
    const el = scroller.current;
    if (!el) return;
    const bottom = el.scrollHeight - el.scrollTop - el.clientHeight < NEAR_BOTTOM_PX;
    stick.current = bottom;
    if (bottom !== atBottom) setAtBottom(bottom);
    if (bottom) markRead();
    if (performance.now() > pinUntil.current) captureAnchor();
    if (el.scrollTop < NEAR_TOP_PX && !bottom) revealOrLoad();
  };

  // A short room may not scroll at all: fill the view from history until it does.
  useEffect(() => {
    const el = scroller.current;
    if (!el || !state.joined) return;
    if (el.scrollHeight <= el.clientHeight + 8 && (hidden > 0 || (state.hasMoreBefore && !state.loadingHistory))) {
      revealOrLoad();
    }
  }, [state.joined, state.timeline.length, hidden, state.hasMoreBefore, state.loadingHistory, revealOrLoad]);

  const toBottom = () => {
    const el = scroller.current;
    if (!el) return;
    el.scrollTop = el.scrollHeight;
    stick.current = true;
    setAtBottom(true);
    setUnreadFrom(0);
  };

  // Stable, so memoised messages do not re-render while a reply streams.
  const jumpTo = useCallback((messageId: string) => {
    const el = scroller.current?.querySelector(`[data-message-id="${CSS.escape(messageId)}"]`);
    if (!el) return;
    el.scrollIntoView({ block: 'center', behavior: 'smooth' });
    el.classList.add('flash');
    setTimeout(() => el.classList.remove('flash'), 1200);
  }, []);

  const toggleActions = useCallback((id: string) => setActionsFor((cur) => (cur === id ? '' : id)), []);

  const lastItem = state.timeline[state.timeline.length - 1];
  const lastMessageId = lastItem?.kind === 'message' ? lastItem.message.id : '';
  const empty = state.joined && !state.timeline.length && !state.replies.length && !state.pending.length;
  const turns = waitingTurns(state);

  return (
    <div className="message-list-wrap">
      <div
        className="message-list"
        ref={scroller}
        onScroll={onScroll}
        data-testid="message-list"
        tabIndex={0}
        role="region"
        aria-label="Messages"
      >
        {(hidden > 0 || state.hasMoreBefore) && (
          <div className="load-earlier">
            <button
              type="button"
              className="button small ghost"
              onClick={revealOrLoad}
              disabled={state.loadingHistory}
              data-testid="load-earlier"
            >
              {state.loadingHistory ? 'Loading…' : 'Load earlier messages'}
            </button>
          </div>
        )}
        {empty && (
          <div className="empty-room muted">
            <p>No messages yet.</p>
            <p className="small">Say hello, or @mention a persona to hear from it (@all asks every persona).</p>
          </div>
        )}
        {shown.map((item, i) => {
          const prev = shown[i - 1];
          const day = dayKey(itemTime(item));
          const newDay = day !== 0 && (!prev || dayKey(itemTime(prev)) !== day);
          const separator = newDay ? (
            <div className="date-separator" data-testid="date-separator" role="separator">
              <span>{dayLabel(itemTime(item))}</span>
            </div>
          ) : null;
          const unreadLine =
            unreadFrom > 0 && item.seq === unreadFrom && item.kind === 'message' ? (
              <div className="unread-line" data-testid="new-messages-line" role="separator">
                <span>New messages</span>
              </div>
            ) : null;
          const notes = notesAfter.get(item.key);
          return (
            <Fragment key={item.key}>
              {separator}
              {unreadLine}
              {renderItem(item, newDay || (prev && notesAfter.has(prev.key)) ? null : prev)}
              {notes?.map((n) => (
                <div key={n.key} className={`system-line note-${n.tone}`} data-testid="reply-note">
                  {n.text}
                </div>
              ))}
            </Fragment>
          );
        })}
        {state.replies.map((r) => (
          <StreamingReplyItem
            key={r.replyId}
            reply={r}
            activity={replyActivity(state, r)}
            persona={participants.get(r.personaId) ?? null}
            replyTarget={
              r.inReplyToId && r.inReplyToId !== lastMessageId ? (messagesById.get(r.inReplyToId) ?? null) : null
            }
            names={names}
            onStop={onStop}
          />
        ))}
        {turns.map((t) => (
          <div key={t.triggerId} className="system-line reply-queue" data-testid="reply-queue">
            Waiting their turn: {t.names.map((n, i) => `${i + 1}. ${n}`).join(', ')}
          </div>
        ))}
        {state.pending.map((p) => (
          <PendingItem
            key={p.clientMsgId}
            pending={p}
            you={state.you}
            replyTarget={p.replyToId ? (messagesById.get(p.replyToId) ?? null) : null}
            names={names}
            onRetry={onRetry}
            onDiscard={onDiscard}
            onEdit={onEdit}
          />
        ))}
      </div>
      {!atBottom && (
        <button type="button" className="button small jump-bottom" onClick={toBottom} data-testid="jump-to-bottom">
          {unread > 0 ? `↓ ${unread} new message${unread === 1 ? '' : 's'}` : '↓ Latest'}
        </button>
      )}
    </div>
  );

  function renderItem(item: TimelineItem, prev: TimelineItem | null | undefined) {
    switch (item.kind) {
      case 'message': {
        const m = item.message;
        const prevMessage = prev?.kind === 'message' ? prev.message : null;
        // A reply right below what it answers needs no quote.
        const quote = m.replyToId !== '' && prevMessage?.id !== m.replyToId;
        const continued =
          !quote &&
          m.authorKind !== 'persona' &&
          prevMessage !== null &&
          prevMessage.authorId === m.authorId &&
          m.createdAtMs - prevMessage.createdAtMs < GROUP_WINDOW_MS;
        return (
          <MessageItem
            seq={item.seq}
            message={m}
            author={participants.get(m.authorId) ?? null}
            replyTarget={quote ? (messagesById.get(m.replyToId) ?? null) : null}
            showQuote={quote}
            continued={continued}
            isYou={m.authorId === youId}
            timing={state.replyTimings[m.id] ?? null}
            names={names}
            onReply={onReply}
            onJump={jumpTo}
            stoppedByYou={state.stoppedByYou.includes(m.id)}
            actionsOpen={actionsFor === m.id}
            onToggleActions={toggleActions}
            onPlay={onPlay}
            speaking={speakingReplyId === m.id}
          />
        );
      }
      case 'system':
        return (
          <div className="system-line" data-testid="system-line" data-seq={item.seq}>
            {item.text}
          </div>
        );
      case 'note':
        return (
          <div className={`system-line note-${item.tone}`} data-testid="reply-note">
            {item.text}
          </div>
        );
    }
  }
}
