import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { Message } from '../../api/models';
import { liveReplies, participantName, type RoomState } from '../../protocol/roomState';
import type { RoomSession } from '../../protocol/session';
import { Composer, type DraftRequest } from './Composer';
import { ConnectionBanner } from './ConnectionBanner';
import { MessageList } from './MessageList';
import { Notices } from './Notices';
import { ParticipantsPanel } from './ParticipantsPanel';
import { TypingLine } from './TypingLine';
import { VoiceControls } from './VoiceControls';
import { useVoiceRoom } from '../../hooks/useVoiceRoom';

interface Props {
  session: RoomSession;
  state: RoomState;
  roomId: string;
  ownerToken: string;
  onOwnerToken: (token: string) => void;
  peopleOpen: boolean;
  onClosePeople: () => void;
  onUnreadChange: (count: number) => void;
}

const MAX_ANNOUNCEMENTS = 3;

/** What a screen reader hears: new messages by others and finished replies (never the backlog). */
function useAnnouncements(state: RoomState): string[] {
  const [lines, setLines] = useState<string[]>([]);
  const seenSeq = useRef(0);
  const seenEnded = useRef<Set<string>>(new Set());
  useEffect(() => {
    if (!state.joined) return;
    const from = seenSeq.current;
    seenSeq.current = state.lastSeq;
    if (from === 0) {
      for (const key of Object.keys(state.outcomes)) seenEnded.current.add(key);
      return;
    }
    const fresh: string[] = [];
    for (const item of state.timeline) {
      // Only what happens live: never the backlog a join or resume replays.
      if (item.kind !== 'message' || item.seq <= from || item.seq <= state.welcomeSeq) continue;
      const m = item.message;
      if (m.authorId === state.you?.id) continue;
      const text = m.text.length > 200 ? `${m.text.slice(0, 200)}…` : m.text;
      fresh.push(m.authorKind === 'persona' ? `${m.authorName} replied: ${text}` : `${m.authorName}: ${text}`);
    }
    for (const [key, outcome] of Object.entries(state.outcomes)) {
      if (seenEnded.current.has(key)) continue;
      seenEnded.current.add(key);
      fresh.push(outcome.text);
    }
    if (fresh.length) setLines((cur) => [...cur, ...fresh].slice(-MAX_ANNOUNCEMENTS));
  }, [state.joined, state.lastSeq, state.timeline, state.you?.id, state.outcomes, state.welcomeSeq]);
  return lines;
}

export function RoomView({
  session,
  state,
  roomId,
  ownerToken,
  onOwnerToken,
  peopleOpen,
  onClosePeople,
  onUnreadChange,
}: Props) {
  const [replyTo, setReplyTo] = useState<Message | null>(null);
  const [draft, setDraft] = useState<DraftRequest | null>(null);
  const streaming = liveReplies(state).length > 0;
  const { voice, state: voiceState } = useVoiceRoom(session);
  const announcements = useAnnouncements(state);

  const messagesById = useMemo(() => {
    const map = new Map<string, Message>();
    for (const item of state.timeline) if (item.kind === 'message') map.set(item.message.id, item.message);
    return map;
  }, [state.timeline]);

  const send = useCallback(
    (text: string) => {
      const id = session.send(text, replyTo?.id ?? '');
      if (id) setReplyTo(null);
      return id !== null;
    },
    [session, replyTo],
  );

  // The people drawer (narrow screens) closes with Escape.
  useEffect(() => {
    if (!peopleOpen) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') onClosePeople();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [peopleOpen, onClosePeople]);

  const stopNames = liveReplies(state).map((r) => participantName(state, r.personaId)).filter(Boolean);

  return (
    <div className={`room-body${peopleOpen ? ' people-open' : ''}`}>
      <main className="room-main">
        <ConnectionBanner state={state.connection} joined={state.joined} pending={state.pending.length} />
        <Notices notices={state.notices} onDismiss={(id) => session.dismissNotice(id)} />
        <MessageList
          state={state}
          messagesById={messagesById}
          onLoadEarlier={() => session.loadEarlier()}
          onReply={setReplyTo}
          onStop={(replyId) => session.interrupt(replyId)}
          onRetry={(id) => session.retry(id)}
          onDiscard={(id) => session.discard(id)}
          onEdit={(p) => {
            session.discard(p.clientMsgId);
            setReplyTo(p.replyToId ? (messagesById.get(p.replyToId) ?? null) : null);
            setDraft({ text: p.text, nonce: Date.now() });
          }}
          onPlay={voice ? (m) => voice.play(m.id) : undefined}
          speakingReplyId={voiceState?.speakingReplyId ?? null}
          onUnreadChange={onUnreadChange}
        />
        <TypingLine state={state} />
        {voice && voiceState && (
          <VoiceControls voice={voice} state={voiceState} participants={state.participants} />
        )}
        <Composer
          roomId={roomId}
          participants={state.participants}
          youId={state.you?.id ?? ''}
          replyTo={replyTo}
          onCancelReply={() => setReplyTo(null)}
          onSend={send}
          onTyping={() => session.notifyTyping()}
          streaming={streaming}
          stopAllLabel={stopNames.length ? `Stop all replies (${stopNames.join(', ')})` : 'Stop all replies'}
          onStopAll={() => session.interrupt('')}
          draft={draft}
        />
        <div className="visually-hidden" aria-live="polite" aria-relevant="additions" data-testid="live-region">
          {announcements.map((line, i) => (
            <p key={`${i}-${line}`}>{line}</p>
          ))}
        </div>
      </main>
      {peopleOpen && <div className="drawer-backdrop" onClick={onClosePeople} data-testid="drawer-backdrop" aria-hidden="true" />}
      <ParticipantsPanel
        state={state}
        roomId={roomId}
        ownerToken={ownerToken}
        onOwnerToken={onOwnerToken}
        onError={(text) => session.notify(text)}
        drawerOpen={peopleOpen}
        onClose={onClosePeople}
      />
    </div>
  );
}
