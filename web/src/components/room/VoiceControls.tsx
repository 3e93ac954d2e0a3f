import { useEffect, useRef } from 'react';
import type { Participant } from '../../api/models';
import type { VoiceRoom, VoiceState } from '../../voice/voiceRoom';

interface Props {
  voice: VoiceRoom;
  state: VoiceState;
  participants: Participant[];
}

/** Whether a key press belongs to a text field (space types a space there). */
function inTextField(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el) return false;
  const tag = el.tagName;
  return tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || el.isContentEditable;
}

/**
 * Push-to-talk (hold the button, or the space bar outside the composer), the
 * level meter, live captions of whoever is speaking, who is talking aloud,
 * and a switch to mute the room's speech here.
 */
export function VoiceControls({ voice, state, participants }: Props) {
  const holding = useRef(false);

  useEffect(() => {
    const down = (ev: KeyboardEvent) => {
      if (ev.code !== 'Space' || ev.repeat || inTextField(ev.target) || ev.ctrlKey || ev.metaKey || ev.altKey) return;
      if ((ev.target as HTMLElement | null)?.tagName === 'BUTTON') return; // space clicks buttons
      ev.preventDefault();
      holding.current = true;
      void voice.press();
    };
    const up = (ev: KeyboardEvent) => {
      if (ev.code !== 'Space' || !holding.current) return;
      ev.preventDefault();
      holding.current = false;
      voice.release();
    };
    const blur = () => {
      if (holding.current) {
        holding.current = false;
        voice.release();
      }
    };
    window.addEventListener('keydown', down);
    window.addEventListener('keyup', up);
    window.addEventListener('blur', blur);
    return () => {
      window.removeEventListener('keydown', down);
      window.removeEventListener('keyup', up);
      window.removeEventListener('blur', blur);
    };
  }, [voice]);

  const names = new Map(participants.map((p) => [p.id, p.name]));
  const captions = Object.values(state.captions);
  const speaking = state.speakingPersonaId ? names.get(state.speakingPersonaId) : null;

  return (
    <section className="voice-controls" aria-label="Voice">
      <div className="voice-row">
        <button
          type="button"
          className={`ptt${state.talking ? ' ptt-on' : ''}`}
          aria-pressed={state.talking}
          aria-label={state.talking ? 'Listening… (release to send)' : 'Hold to talk (or hold the space bar)'}
          onPointerDown={(ev) => {
            ev.currentTarget.setPointerCapture?.(ev.pointerId);
            void voice.press();
          }}
          onPointerUp={() => voice.release()}
          onPointerCancel={() => voice.release()}
          onKeyDown={(ev) => {
            if ((ev.key === 'Enter' || ev.key === ' ') && !ev.repeat) {
              ev.preventDefault();
              void voice.press();
            }
          }}
          onKeyUp={(ev) => {
            if (ev.key === 'Enter' || ev.key === ' ') {
              ev.preventDefault();
              voice.release();
            }
          }}
        >
          {state.talking ? 'Listening…' : 'Hold to talk'}
        </button>
        <meter
          className="voice-level"
          min={0}
          max={1}
          value={state.level}
          aria-label="Microphone level"
          hidden={!state.talking}
        />
        <label className="voice-mute">
          <input type="checkbox" checked={state.muted} onChange={(ev) => voice.setMuted(ev.target.checked)} />
          Mute voices
        </label>
        {speaking ? (
          <span className="voice-speaking" aria-live="polite">
            🔊 {speaking} is speaking
          </span>
        ) : null}
      </div>
      {captions.length ? (
        <ul className="voice-captions" aria-live="polite" aria-label="Live captions">
          {captions.map((c) => (
            <li key={c.participantId} data-participant={c.participantId}>
              <strong>{names.get(c.participantId) ?? 'Someone'}:</strong> {c.text || '…'}
            </li>
          ))}
        </ul>
      ) : null}
      {state.notice ? (
        <p className="voice-notice" role="alert">
          {state.notice}{' '}
          <button type="button" onClick={() => voice.dismissNotice()}>
            Dismiss
          </button>
        </p>
      ) : null}
    </section>
  );
}
