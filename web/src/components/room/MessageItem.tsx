import { memo } from 'react';
import type { Message, Participant, ReplyTiming } from '../../api/models';
import { describeTiming } from '../../protocol/replyTimings';
import { formatFull, formatTime } from '../../lib/time';
import { Avatar } from '../common/Avatar';
import { CopyButton } from '../common/CopyButton';
import { MessageText } from './MessageText';
import { ReplyQuote } from './ReplyQuote';

interface Props {
  seq: number;
  message: Message;
  author: Participant | null;
  replyTarget: Message | null;
  showQuote: boolean;
  /** Follows a message by the same author: no avatar or header. */
  continued: boolean;
  isYou: boolean;
  /** A persona reply's timing detail, when this client saw it end. */
  timing: ReplyTiming | null;
  names: readonly string[];
  onReply: (m: Message) => void;
  onJump: (messageId: string) => void;
  /** Speak a persona's message here (absent without voice). */
  onPlay?: (m: Message) => void;
  /** This message's persona is speaking it now. */
  speaking?: boolean;
  /** This client stopped it (shown as "stopped by you"). */
  stoppedByYou?: boolean;
  /** Actions shown (a tap or long-press on touch screens). */
  actionsOpen?: boolean;
  onToggleActions?: (messageId: string) => void;
}

const STATUS_TAGS: Partial<Record<Message['status'], { text: string; title: string }>> = {
  interrupted: { text: 'stopped', title: 'Stopped before it finished' },
  truncated: { text: 'cut short', title: 'Reached its length limit' },
};

export const MessageItem = memo(function MessageItem({
  seq,
  message: m,
  author,
  replyTarget,
  showQuote,
  continued,
  isYou,
  timing,
  names,
  onReply,
  onJump,
  onPlay,
  speaking = false,
  stoppedByYou = false,
  actionsOpen = false,
  onToggleActions,
}: Props) {
  const persona = m.authorKind === 'persona';
  const baseTag = STATUS_TAGS[m.status];
  const tag = baseTag && m.status === 'interrupted' && stoppedByYou ? { ...baseTag, text: 'stopped by you' } : baseTag;
  const name = m.authorName || author?.name || 'Someone';
  return (
    <article
      className={`message${persona ? ' message-persona' : ''}${isYou ? ' message-you' : ''}${continued ? ' message-continued' : ''}${actionsOpen ? ' actions-open' : ''}`}
      onClick={(e) => {
        // A tap on the message (not on a link, button or code) shows its actions.
        if (!onToggleActions || (e.target as HTMLElement).closest('a, button, summary, pre, input, textarea')) return;
        if (window.getSelection()?.toString()) return;
        onToggleActions(m.id);
      }}
      onContextMenu={(e) => {
        // A long-press on a touch screen shows the actions instead of the system menu.
        if (!onToggleActions || !window.matchMedia?.('(hover: none)').matches) return;
        if ((e.target as HTMLElement).closest('a, pre')) return;
        e.preventDefault();
        onToggleActions(m.id);
      }}
      data-testid="message"
      data-author={name}
      data-seq={seq}
      data-kind={m.authorKind}
      data-message-id={m.id}
      data-status={m.status}
      data-speaking={speaking ? 'true' : undefined}
    >
      {continued ? (
        <time className="message-gutter-time" title={formatFull(m.createdAtMs)}>
          {formatTime(m.createdAtMs)}
        </time>
      ) : (
        <Avatar name={name} kind={m.authorKind} />
      )}
      <div className="message-main">
        <header className={continued ? 'message-head visually-hidden' : 'message-head'}>
          <span className="message-author">{name}</span>
          {persona && author?.title && <span className="message-title">{author.title}</span>}
          {isYou && <span className="message-title">you</span>}
          <time className="message-time" title={formatFull(m.createdAtMs)}>
            {formatTime(m.createdAtMs)}
          </time>
          {m.spoken && (
            <span className="status-tag" title="Said aloud, then transcribed" data-testid="spoken-tag">
              spoken
            </span>
          )}
          {speaking && (
            <span className="status-tag speaking-tag" aria-label={`${name} is speaking`}>
              speaking
            </span>
          )}
          {tag && (
            <span className="status-tag" title={tag.title}>
              {tag.text}
            </span>
          )}
          {persona && timing && <TimingDetail timing={timing} />}
        </header>
        {showQuote && <ReplyQuote target={replyTarget} onJump={onJump} />}
        <MessageText text={m.text} names={names} />
      </div>
      <div className="message-actions">
        <CopyButton
          text={m.text}
          label="Copy"
          className="button tiny ghost"
          testId="copy-message"
          ariaLabel={`Copy ${name}'s message`}
        />
        <button
          type="button"
          className="button tiny ghost"
          onClick={() => onReply(m)}
          data-testid="reply-action"
          aria-label={`Reply to ${name}`}
        >
          Reply
        </button>
        {persona && onPlay && (
          <button
            type="button"
            className="button tiny ghost"
            onClick={() => onPlay(m)}
            data-testid="play-action"
            aria-label={`Play ${name}'s message aloud`}
          >
            Play
          </button>
        )}
      </div>
    </article>
  );
});

function TimingDetail({ timing }: { timing: ReplyTiming }) {
  const { summary, lines } = describeTiming(timing);
  if (!summary) return null;
  return (
    <details className="reply-timing" data-testid="reply-timing">
      <summary title="How this reply's time was spent">{summary}</summary>
      <ul>
        {lines.map((line) => (
          <li key={line}>{line}</li>
        ))}
      </ul>
    </details>
  );
}
