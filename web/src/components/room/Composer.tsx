import { useEffect, useId, useLayoutEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import type { Message, Participant } from '../../api/models';
import { applyMention, findMentionQuery, matchMentions } from '../../lib/mentions';
import { storage } from '../../lib/storage';
import { MentionMenu } from './MentionMenu';

/** Text to put into the composer from outside (e.g. "edit" on a failed send). */
export interface DraftRequest {
  text: string;
  /** Changes on every request, so the same text can be requested twice. */
  nonce: number;
}

interface Props {
  participants: Participant[];
  youId: string;
  replyTo: Message | null;
  onCancelReply: () => void;
  /** Returns false when nothing was sent (the text is then kept). */
  onSend: (text: string) => boolean;
  onTyping: () => void;
  streaming: boolean;
  onStopAll: () => void;
  stopAllLabel?: string;
  draft?: DraftRequest | null;
  /** Drafts are kept per room across reloads. */
  roomId: string;
}

const MAX_HEIGHT_PX = 200;
/** The server's cap on a message (docs/protocol.md, "Limits"). */
export const MAX_MESSAGE_CHARS = 4000;
/** The counter shows from this many characters on. */
const COUNTER_FROM = 3000;

/** The `@all` entry of the mention menu: asks every persona. */
const EVERYONE: Participant = {
  id: '@all',
  kind: 'persona',
  name: 'all',
  title: 'every persona, in turn',
  persona: null,
  joinedAtMs: 0,
};

export function Composer({
  participants,
  youId,
  replyTo,
  onCancelReply,
  onSend,
  onTyping,
  streaming,
  onStopAll,
  stopAllLabel,
  draft,
  roomId,
}: Props) {
  const [text, setText] = useState(() => storage.draft(roomId));
  const menuId = useId();
  const [caret, setCaret] = useState(0);
  const [active, setActive] = useState(0);
  /** The '@' position whose menu was dismissed with Escape. */
  const [dismissedAt, setDismissedAt] = useState(-1);
  const area = useRef<HTMLTextAreaElement>(null);
  const pendingCaret = useRef<number | null>(null);

  const query = findMentionQuery(text, caret);
  const suggestions = useMemo(
    () => {
      if (!query || query.start === dismissedAt) return [];
      const hasPersonas = participants.some((p) => p.kind === 'persona');
      const candidates = hasPersonas ? [...participants, EVERYONE] : participants;
      return matchMentions(query.query, candidates, { excludeId: youId });
    },
    [query?.start, query?.query, dismissedAt, participants, youId],
  );
  const tooLong = text.length > MAX_MESSAGE_CHARS;

  // Keep the draft across reloads (debounced a little).
  useEffect(() => {
    const t = setTimeout(() => storage.setDraft(roomId, text), 300);
    return () => clearTimeout(t);
  }, [roomId, text]);
  const menuOpen = suggestions.length > 0;
  const activeIndex = Math.min(active, Math.max(0, suggestions.length - 1));

  useEffect(() => {
    if (!draft) return;
    setText(draft.text);
    pendingCaret.current = draft.text.length;
    area.current?.focus();
  }, [draft]);

  useEffect(() => {
    if (replyTo) area.current?.focus();
  }, [replyTo]);

  // Grow with the text, up to a limit; restore the caret after programmatic edits.
  useLayoutEffect(() => {
    const el = area.current;
    if (!el) return;
    el.style.height = 'auto';
    el.style.height = `${Math.min(el.scrollHeight, MAX_HEIGHT_PX)}px`;
    if (pendingCaret.current !== null) {
      el.setSelectionRange(pendingCaret.current, pendingCaret.current);
      setCaret(pendingCaret.current);
      pendingCaret.current = null;
    }
  }, [text]);

  const pick = (p: Participant) => {
    if (!query) return;
    const next = applyMention(text, query, caret, p.name);
    setText(next.text);
    pendingCaret.current = next.caret;
    setActive(0);
    area.current?.focus();
  };

  const submit = () => {
    if (!text.trim() || tooLong) return;
    if (onSend(text)) {
      storage.setDraft(roomId, '');
      setText('');
      setCaret(0);
      setDismissedAt(-1);
    }
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.nativeEvent.isComposing || e.keyCode === 229) return; // IME at work
    if (menuOpen) {
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        const n = suggestions.length;
        setActive((activeIndex + (e.key === 'ArrowDown' ? 1 : n - 1)) % n);
        return;
      }
      if (e.key === 'Enter' || e.key === 'Tab') {
        e.preventDefault();
        const choice = suggestions[activeIndex];
        if (choice) pick(choice);
        return;
      }
      if (e.key === 'Escape') {
        e.preventDefault();
        setDismissedAt(query?.start ?? -1);
        return;
      }
    }
    if (e.key === 'Enter' && !e.shiftKey) {
      e.preventDefault();
      submit();
    } else if (e.key === 'Escape' && replyTo) {
      onCancelReply();
    }
  };

  const syncCaret = () => setCaret(area.current?.selectionStart ?? 0);

  return (
    <div className="composer">
      {replyTo && (
        <div className="reply-chip" data-testid="reply-chip">
          <span className="reply-chip-text">
            ↪ Replying to <strong>{replyTo.authorName}</strong>:{' '}
            {replyTo.text.length > 80 ? `${replyTo.text.slice(0, 80)}…` : replyTo.text}
          </span>
          <button type="button" className="icon-button" onClick={onCancelReply} aria-label="Cancel reply">
            ×
          </button>
        </div>
      )}
      <div className="composer-row">
        {menuOpen && (
          <MentionMenu id={menuId} items={suggestions} active={activeIndex} onPick={pick} onHover={setActive} />
        )}
        <textarea
          ref={area}
          data-testid="composer"
          className="composer-input"
          value={text}
          rows={1}
          placeholder="Message the room — @ to mention someone"
          aria-label="Message"
          role="combobox"
          aria-autocomplete="list"
          aria-haspopup="listbox"
          aria-expanded={menuOpen}
          aria-controls={menuOpen ? menuId : undefined}
          aria-activedescendant={menuOpen ? `${menuId}-opt-${activeIndex}` : undefined}
          aria-describedby={text.length >= COUNTER_FROM ? `${menuId}-count` : undefined}
          aria-invalid={tooLong || undefined}
          autoFocus
          onChange={(e) => {
            setText(e.target.value);
            setCaret(e.target.selectionStart);
            setActive(0);
            if (e.target.value) onTyping();
          }}
          onKeyDown={onKeyDown}
          onKeyUp={syncCaret}
          onClick={syncCaret}
          onSelect={syncCaret}
          onBlur={() => setDismissedAt(query?.start ?? -1)}
          onFocus={() => setDismissedAt(-1)}
        />
        {streaming && (
          <button type="button" className="button stop-all" onClick={onStopAll} data-testid="stop-all" aria-label={stopAllLabel}>
            Stop all
          </button>
        )}
        <button
          type="button"
          className="button primary"
          onClick={submit}
          disabled={!text.trim() || tooLong}
          data-testid="send"
        >
          Send
        </button>
      </div>
      {text.length >= COUNTER_FROM && (
        <p
          id={`${menuId}-count`}
          className={`composer-count${tooLong ? ' over' : ''}`}
          data-testid="composer-count"
          aria-live="polite"
        >
          {text.length} / {MAX_MESSAGE_CHARS}
          {tooLong && ` — ${text.length - MAX_MESSAGE_CHARS} over the limit; shorten it to send`}
        </p>
      )}
    </div>
  );
}
