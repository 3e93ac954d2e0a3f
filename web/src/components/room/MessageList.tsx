import { useLayoutEffect, useMemo, useRef } from 'react';
import type { Message, Participant } from '../../api/models';
import type { PendingSend, RoomState } from '../../protocol/roomState';
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
}

const NEAR_BOTTOM_PX = 48;
/** Consecutive messages by one person within this window share a header. */
const GROUP_WINDOW_MS = 5 * 60_000;

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
}: Props) {
  const scroller = useRef<HTMLDivElement>(null);
  const stick = useRef(true);
  const prevHeight = useRef(0);
  const prevFirstKey = useRef<string | undefined>(undefined);
  const prevPending = useRef(0);

  const participants = useMemo(() => {
    const map = new Map<string, Participant>();
    for (const p of state.participants) map.set(p.id, p);
    return map;
  }, [state.participants]);
  const names = useMemo(() => state.participants.map((p) => p.name), [state.participants]);

  // Keep the view pinned to the newest message, unless the reader scrolled up;
  // when older messages are prepended, keep what the reader was looking at in place.
  const firstKey = state.timeline[0]?.key;
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const prepended =
      prevFirstKey.current !== undefined &&
      firstKey !== prevFirstKey.current &&
      state.timeline.findIndex((i) => i.key === prevFirstKey.current) > 0;
    const sentSomething = state.pending.length > prevPending.current;
    if (prepended && !stick.current) {
      el.scrollTop += el.scrollHeight - prevHeight.current;
    } else if (stick.current || sentSomething) {
      el.scrollTop = el.scrollHeight;
      stick.current = true;
    }
    prevHeight.current = el.scrollHeight;
    prevFirstKey.current = firstKey;
    prevPending.current = state.pending.length;
  });

  const onScroll = () => {
    const el = scroller.current;
    if (!el) return;
    stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < NEAR_BOTTOM_PX;
  };

  const jumpTo = (messageId: string) => {
    const el = scroller.current?.querySelector(`[data-message-id="${CSS.escape(messageId)}"]`);
    if (!el) return;
    el.scrollIntoView({ block: 'center', behavior: 'smooth' });
    el.classList.add('flash');
    setTimeout(() => el.classList.remove('flash'), 1200);
  };

  const youId = state.you?.id ?? '';
  const lastItem = state.timeline[state.timeline.length - 1];
  const lastMessageId = lastItem?.kind === 'message' ? lastItem.message.id : '';
  const empty = state.joined && !state.timeline.length && !state.replies.length && !state.pending.length;

  return (
    <div className="message-list" ref={scroller} onScroll={onScroll} data-testid="message-list">
      {state.hasMoreBefore && (
        <div className="load-earlier">
          <button
            type="button"
            className="button small ghost"
            onClick={onLoadEarlier}
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
          <p className="small">Say hello, or @mention a persona to hear from it.</p>
        </div>
      )}
      {state.timeline.map((item, i) => {
        switch (item.kind) {
          case 'message': {
            const m = item.message;
            const prev = state.timeline[i - 1];
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
                key={item.key}
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
                onPlay={onPlay}
                speaking={speakingReplyId === m.id}
              />
            );
          }
          case 'system':
            return (
              <div key={item.key} className="system-line" data-testid="system-line" data-seq={item.seq}>
                {item.text}
              </div>
            );
          case 'note':
            return (
              <div key={item.key} className={`system-line note-${item.tone}`} data-testid="reply-note">
                {item.text}
              </div>
            );
        }
      })}
      {state.replies.map((r) => (
        <StreamingReplyItem
          key={r.replyId}
          reply={r}
          persona={participants.get(r.personaId) ?? null}
          replyTarget={r.inReplyToId && r.inReplyToId !== lastMessageId ? (messagesById.get(r.inReplyToId) ?? null) : null}
          names={names}
          onStop={onStop}
        />
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
  );
}
