import type { Message, Participant } from '../../api/models';
import type { StreamingReply } from '../../protocol/roomState';
import { Avatar } from '../common/Avatar';
import { MessageText } from './MessageText';
import { ReplyQuote } from './ReplyQuote';

interface Props {
  reply: StreamingReply;
  /** What it is doing or waiting for, in words. */
  activity: string;
  persona: Participant | null;
  replyTarget: Message | null;
  names: readonly string[];
  onStop: (replyId: string) => void;
}

/** A persona's reply while it streams; its final message replaces it. */
export function StreamingReplyItem({ reply, activity, persona, replyTarget, names, onStop }: Props) {
  const streaming = reply.awaitingSeq === 0;
  const name = persona?.name || 'Persona';
  return (
    <article
      className="message message-persona message-streaming"
      data-testid={streaming ? 'streaming-reply' : 'ending-reply'}
      data-reply-id={reply.replyId}
      data-author={name}
      aria-busy={streaming}
    >
      <Avatar name={name} kind="persona" />
      <div className="message-main">
        <header className="message-head">
          <span className="message-author">{name}</span>
          {persona?.title && <span className="message-title">{persona.title}</span>}
          {streaming && reply.text && (
            <span className="message-time reply-activity" data-testid="reply-activity">
              {activity}
            </span>
          )}
          {streaming && (
            <button
              type="button"
              className="button tiny stop-button"
              onClick={() => onStop(reply.replyId)}
              disabled={reply.stopping}
              data-testid="stop-reply"
              aria-label={`Stop ${name}'s reply`}
            >
              Stop
            </button>
          )}
        </header>
        {replyTarget && <ReplyQuote target={replyTarget} />}
        <div className="streaming-body">
          {reply.text ? <MessageText text={reply.text} names={names} /> : <span className="thinking" data-testid="reply-activity">
              {activity.replace(/…$/, '')}
            </span>}
          {streaming && <span className="caret" aria-hidden="true" />}
        </div>
      </div>
    </article>
  );
}
