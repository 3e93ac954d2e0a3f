import { useCallback, useMemo, useState } from 'react';
import type { Message } from '../../api/models';
import { liveReplies, type RoomState } from '../../protocol/roomState';
import type { RoomSession } from '../../protocol/session';
import { Composer, type DraftRequest } from './Composer';
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
}

export function RoomView({ session, state, roomId, ownerToken, onOwnerToken, peopleOpen }: Props) {
  const [replyTo, setReplyTo] = useState<Message | null>(null);
  const [draft, setDraft] = useState<DraftRequest | null>(null);
  const streaming = liveReplies(state).length > 0;
  const { voice, state: voiceState } = useVoiceRoom(session);

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

  return (
    <div className={`room-body${peopleOpen ? ' people-open' : ''}`}>
      <main className="room-main">
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
        />
        <TypingLine state={state} />
        {voice && voiceState && (
          <VoiceControls voice={voice} state={voiceState} participants={state.participants} />
        )}
        <Composer
          participants={state.participants}
          youId={state.you?.id ?? ''}
          replyTo={replyTo}
          onCancelReply={() => setReplyTo(null)}
          onSend={send}
          onTyping={() => session.notifyTyping()}
          streaming={streaming}
          onStopAll={() => session.interrupt('')}
          draft={draft}
        />
      </main>
      <ParticipantsPanel
        state={state}
        roomId={roomId}
        ownerToken={ownerToken}
        onOwnerToken={onOwnerToken}
        onError={(text) => session.notify(text)}
      />
    </div>
  );
}
