import { describe, expect, it } from 'vitest';
import { renderMarkdown } from './markdown';

describe('renderMarkdown', () => {
  it('renders emphasis, lists, quotes, tables and code', () => {
    const html = renderMarkdown('**bold** and *it*\n\n- one\n- two\n\n> quoted\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```python\nprint("hi")\n```');
    expect(html).toContain('<strong>bold</strong>');
    expect(html).toContain('<li>one</li>');
    expect(html).toContain('<blockquote>');
    expect(html).toContain('<table>');
    expect(html).toContain('class="code-block"');
    expect(html).toContain('hljs-built_in');
    expect(html).toContain('data-copy-code');
  });

  it('keeps HTML from a message as text', () => {
    const html = renderMarkdown('<img src=x onerror="alert(1)"> <script>alert(2)</script>');
    expect(html).not.toMatch(/<img|<script/i);
    expect(html).toContain('&lt;img src=x onerror=');
    expect(html).toContain('&lt;script&gt;');
  });

  it('drops javascript:, data: and relative links; opens others in a new tab', () => {
    for (const bad of ['[x](javascript:alert(1))', '[x](JAVASCRIPT:alert(1))', '[x](data:text/html,<b>)', '[x](/relative)', '[x](vbscript:msgbox)']) {
      expect(renderMarkdown(bad)).not.toContain('<a ');
    }
    const html = renderMarkdown('see https://example.com and [docs](https://example.org/a?b=1)');
    expect(html).toContain('<a href="https://example.com" target="_blank" rel="noopener noreferrer nofollow">');
    expect(html).toContain('href="https://example.org/a?b=1"');
  });

  it('shows images as text, never fetches them', () => {
    expect(renderMarkdown('![pic](https://example.com/x.png)')).not.toContain('<img');
  });

  it('marks mentions of participants and @all, not emails', () => {
    const html = renderMarkdown('@ada and @Ada Lovelace, @all, me@ada.org', ['Ada', 'Ada Lovelace']);
    expect(html).toContain('<span class="mention">@ada</span>');
    expect(html).toContain('<span class="mention">@Ada Lovelace</span>');
    expect(html).toContain('<span class="mention mention-all">@all</span>');
    expect(html).toContain('me@ada.org');
    expect(html.match(/class="mention/g)).toHaveLength(3);
  });

  it('escapes names and code it marks up', () => {
    expect(renderMarkdown('@<b>', ['<b>'])).toContain('@&lt;b&gt;');
    expect(renderMarkdown('```\n<script>x</script>\n```')).toContain('&lt;script&gt;');
    expect(renderMarkdown('```"><img>\ncode\n```')).not.toContain('<img');
  });
});
