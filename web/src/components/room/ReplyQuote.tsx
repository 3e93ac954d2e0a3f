import type { Message } from '../../api/models';

/** The "in reply to" line above a message. */
export function ReplyQuote({ target, onJump }: { target: Message | null; onJump?: (id: string) => void }) {
  if (!target) return <div className="reply-quote muted">↪ in reply to an earlier message</div>;
  const snippet = target.text.length > 90 ? `${target.text.slice(0, 90)}…` : target.text;
  return (
    <button type="button" className="reply-quote" onClick={() => onJump?.(target.id)} title="Show that message">
      ↪ <strong>{target.authorName}</strong> {snippet}
    </button>
  );
}
