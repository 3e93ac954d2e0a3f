import { memo, useMemo, type MouseEvent } from 'react';
import { copyText } from '../../lib/clipboard';
import { renderMarkdown } from '../../lib/markdown';

/**
 * A message body as safe Markdown (see lib/markdown.ts: no HTML or script
 * from the text, only http(s)/mailto links, opened in a new tab), with
 * mentions marked and a Copy button on each code block.
 */
export const MessageText = memo(function MessageText({ text, names }: { text: string; names: readonly string[] }) {
  const html = useMemo(() => renderMarkdown(text, names), [text, names]);
  const onClick = (e: MouseEvent<HTMLDivElement>) => {
    const button = (e.target as HTMLElement).closest<HTMLButtonElement>('button[data-copy-code]');
    if (!button) return;
    e.stopPropagation();
    const code = button.closest('.code-block')?.querySelector('code')?.textContent ?? '';
    void copyText(code).then((ok) => {
      button.textContent = ok ? 'Copied' : 'Copy failed';
      setTimeout(() => {
        button.textContent = 'Copy';
      }, 1500);
    });
  };
  return <div className="message-text markdown" onClick={onClick} dangerouslySetInnerHTML={{ __html: html }} />;
});
