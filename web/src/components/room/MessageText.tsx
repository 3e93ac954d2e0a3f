import { splitMentions } from '../../lib/mentions';

/**
 * A message body: plain text with @mentions highlighted. The one place to
 * teach rendering new tricks (markdown, links) later.
 */
export function MessageText({ text, names }: { text: string; names: readonly string[] }) {
  return (
    <div className="message-text">
      {splitMentions(text, names).map((seg, i) =>
        seg.mention ? (
          <span key={i} className="mention">
            {seg.text}
          </span>
        ) : (
          <span key={i}>{seg.text}</span>
        ),
      )}
    </div>
  );
}
