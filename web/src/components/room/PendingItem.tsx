import type { Message, Participant } from '../../api/models';
import type { PendingSend } from '../../protocol/roomState';
import { Avatar } from '../common/Avatar';
import { MessageText } from './MessageText';
import { ReplyQuote } from './ReplyQuote';

interface Props {
  pending: PendingSend;
  you: Participant | null;
  replyTarget: Message | null;
  names: readonly string[];
  onRetry: (clientMsgId: string) => void;
  onDiscard: (clientMsgId: string) => void;
  onEdit: (pending: PendingSend) => void;
}

/** One of your messages on its way: shown until the room echoes it back. */
export function PendingItem({ pending: p, you, replyTarget, names, onRetry, onDiscard, onEdit }: Props) {
  const name = you?.name || 'You';
  const failed = p.status === 'failed';
  return (
    <article
      className={`message message-you message-pending${failed ? ' message-failed' : ''}`}
      data-testid="pending-message"
      data-client-msg-id={p.clientMsgId}
      data-status={p.status}
    >
      <Avatar name={name} kind="human" />
      <div className="message-main">
        <header className="message-head">
          <span className="message-author">{name}</span>
          <span className="message-time">{failed ? 'not sent' : 'sending…'}</span>
        </header>
        {p.replyToId && <ReplyQuote target={replyTarget} />}
        <MessageText text={p.text} names={names} />
        {failed && (
          <div className="pending-failed">
            <span className="error-text">{p.error}</span>
            <button type="button" className="button tiny" onClick={() => onRetry(p.clientMsgId)}>
              Retry
            </button>
            <button type="button" className="button tiny ghost" onClick={() => onEdit(p)}>
              Edit
            </button>
            <button type="button" className="button tiny ghost" onClick={() => onDiscard(p.clientMsgId)}>
              Discard
            </button>
          </div>
        )}
      </div>
    </article>
  );
}
