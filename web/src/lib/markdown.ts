/**
 * Safe Markdown for every message, a person's or a model's.
 *
 * - No HTML from a message: raw HTML is shown as text (markdown-it `html:
 *   false`), images are off (a link instead; no remote fetches), and links
 *   pass markdown-it's `validateLink` plus our own scheme allow-list (http,
 *   https, mailto): no `javascript:`, `data:`, `vbscript:` or `file:`.
 * - Links open in a new tab with rel="noopener noreferrer nofollow".
 * - Code blocks are highlighted (highlight.js escapes what it emits) and get a
 *   Copy button; `@Name` of a participant and `@all`/`@everyone` are marked.
 * The output is an HTML string made only by this module's renderers.
 */
import hljs from 'highlight.js/lib/core';
import bash from 'highlight.js/lib/languages/bash';
import c from 'highlight.js/lib/languages/c';
import cpp from 'highlight.js/lib/languages/cpp';
import css from 'highlight.js/lib/languages/css';
import diff from 'highlight.js/lib/languages/diff';
import go from 'highlight.js/lib/languages/go';
import java from 'highlight.js/lib/languages/java';
import javascript from 'highlight.js/lib/languages/javascript';
import json from 'highlight.js/lib/languages/json';
import markdown from 'highlight.js/lib/languages/markdown';
import python from 'highlight.js/lib/languages/python';
import rust from 'highlight.js/lib/languages/rust';
import sql from 'highlight.js/lib/languages/sql';
import typescript from 'highlight.js/lib/languages/typescript';
import xml from 'highlight.js/lib/languages/xml';
import yaml from 'highlight.js/lib/languages/yaml';
import MarkdownIt from 'markdown-it';

const LANGUAGES = { bash, c, cpp, css, diff, go, java, javascript, json, markdown, python, rust, sql, typescript, xml, yaml };
for (const [name, lang] of Object.entries(LANGUAGES)) hljs.registerLanguage(name, lang);
for (const [alias, name] of [
  ['sh', 'bash'],
  ['shell', 'bash'],
  ['js', 'javascript'],
  ['ts', 'typescript'],
  ['py', 'python'],
  ['html', 'xml'],
  ['yml', 'yaml'],
  ['md', 'markdown'],
  ['rs', 'rust'],
] as const) {
  hljs.registerAliases(alias, { languageName: name });
}

const SAFE_SCHEME = /^(https?:|mailto:)/i;
const WORD = /[\p{L}\p{N}_]/u;

export interface MarkdownEnv {
  /** Participant names to mark as mentions (besides all/everyone). */
  names: readonly string[];
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const md = new MarkdownIt({ html: false, linkify: true, breaks: true, typographer: false });
md.disable(['image']);

const defaultValidate = md.validateLink.bind(md);
md.validateLink = (url: string) => {
  if (!defaultValidate(url)) return false;
  const trimmed = url.trim();
  // Only absolute http(s) and mailto links: relative links make no sense in a chat.
  return SAFE_SCHEME.test(trimmed);
};

md.renderer.rules.link_open = (tokens, idx, options, _env, self) => {
  const token = tokens[idx]!;
  token.attrSet('target', '_blank');
  token.attrSet('rel', 'noopener noreferrer nofollow');
  return self.renderToken(tokens, idx, options);
};

md.renderer.rules.fence = (tokens, idx) => {
  const token = tokens[idx]!;
  const lang = token.info.trim().split(/\s+/)[0]?.toLowerCase() ?? '';
  const code = token.content;
  let body: string;
  if (lang && hljs.getLanguage(lang)) {
    body = hljs.highlight(code, { language: lang, ignoreIllegals: true }).value;
  } else {
    body = escapeHtml(code);
  }
  const label = lang ? escapeHtml(lang) : 'code';
  return (
    `<div class="code-block"><div class="code-head"><span class="code-lang">${label}</span>` +
    `<button type="button" class="copy-code" data-copy-code="">Copy</button></div>` +
    `<pre><code class="hljs">${body}</code></pre></div>`
  );
};
md.renderer.rules.code_block = md.renderer.rules.fence;

md.renderer.rules.table_open = () => '<div class="table-wrap"><table>';
md.renderer.rules.table_close = () => '</table></div>';

// @mentions: an inline rule at '@' (markdown-it stops text runs there).
md.inline.ruler.before('emphasis', 'mention', (state, silent) => {
  const src = state.src;
  const pos = state.pos;
  if (src.charCodeAt(pos) !== 0x40 /* @ */) return false;
  if (pos > 0 && WORD.test(src[pos - 1]!)) return false;
  const env = state.env as Partial<MarkdownEnv>;
  const candidates = ['all', 'everyone', ...(env.names ?? [])].filter(Boolean);
  const rest = src.slice(pos + 1).toLocaleLowerCase();
  let best = '';
  for (const name of candidates) {
    const lower = name.toLocaleLowerCase();
    if (lower.length > best.length && rest.startsWith(lower)) {
      const after = src[pos + 1 + name.length];
      if (after === undefined || !WORD.test(after)) best = name;
    }
  }
  if (!best) return false;
  if (!silent) {
    const token = state.push('mention', '', 0);
    token.content = src.slice(pos, pos + 1 + best.length);
    token.meta = { everyone: best.toLowerCase() === 'all' || best.toLowerCase() === 'everyone' };
  }
  state.pos += 1 + best.length;
  return true;
});
md.renderer.rules.mention = (tokens, idx) => {
  const token = tokens[idx]!;
  const everyone = (token.meta as { everyone?: boolean } | null)?.everyone;
  return `<span class="mention${everyone ? ' mention-all' : ''}">${escapeHtml(token.content)}</span>`;
};

/** HTML for a message's text. Safe to set as innerHTML. */
export function renderMarkdown(text: string, names: readonly string[] = []): string {
  const env: Record<string, unknown> = { names } satisfies MarkdownEnv;
  return md.render(text, env);
}
