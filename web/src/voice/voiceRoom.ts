/**
 * Voice in a room, for one member: push-to-talk (microphone → binary frames
 * between `voiceStart` and `voiceEnd`), everyone's live captions, and the
 * room's speech played back (binary `replyAudio` frames; `speechStopped`
 * silences it). It rides on the room session's socket through a small
 * interface, and keeps its own state for the UI.
 */
import { newId } from '../lib/ids';
import { parseAudioFrame } from './audioFrame';
import { MicError, Microphone } from './capture';
import { SpeechPlayer } from './player';

/** What the voice layer needs from the room session. */
export interface VoiceLink {
  /** Sends a JSON frame or binary audio; false when not connected. */
  transmit(frame: object | ArrayBuffer): boolean;
  /** Calls `listener` with every frame from the server: parsed JSON, or binary. */
  listen(listener: (frame: unknown) => void): () => void;
}

export interface Caption {
  participantId: string;
  turnId: string;
  text: string;
}

export interface VoiceState {
  /** This member is holding push-to-talk. */
  talking: boolean;
  /** Microphone level 0..1 while talking. */
  level: number;
  /** Live captions of people speaking now, by participant id. */
  captions: Record<string, Caption>;
  /** The persona whose speech is playing here, if any. */
  speakingPersonaId: string | null;
  speakingReplyId: string | null;
  muted: boolean;
  /** A problem to show (microphone denied, nothing heard...). */
  notice: string | null;
}

const initial: VoiceState = {
  talking: false,
  level: 0,
  captions: {},
  speakingPersonaId: null,
  speakingReplyId: null,
  muted: false,
  notice: null,
};

export class VoiceRoom {
  private state: VoiceState = initial;
  private readonly listeners = new Set<() => void>();
  private readonly mic = new Microphone();
  private readonly player: SpeechPlayer;
  private unlisten: (() => void) | null = null;
  private refCounter = 0;
  private turnRefs = new Set<string>();
  private lastLevelAt = 0;

  constructor(private readonly link: VoiceLink) {
    this.player = new SpeechPlayer({
      onSpeaking: (personaId, replyId) =>
        this.update({ speakingPersonaId: personaId, speakingReplyId: replyId }),
    });
  }

  readonly getSnapshot = (): VoiceState => this.state;

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  start(): void {
    this.unlisten ??= this.link.listen((frame) => this.onFrame(frame));
  }

  stop(): void {
    this.unlisten?.();
    this.unlisten = null;
    if (this.state.talking) this.release();
    this.mic.close();
    this.player.close();
  }

  /** Push-to-talk pressed: silence the room here at once, then record. */
  async press(): Promise<void> {
    if (this.state.talking) return;
    this.player.unlock();
    this.player.stop(); // barge-in is immediate here; the server tells everyone else
    this.update({ talking: true, notice: null });
    try {
      await this.mic.open();
    } catch (exc) {
      this.update({ talking: false, notice: exc instanceof MicError ? exc.message : 'The microphone failed.' });
      return;
    }
    if (!this.state.talking) return; // released while the microphone was opening
    const ref = `v${++this.refCounter}`;
    this.turnRefs.add(ref);
    if (!this.link.transmit({ ref, voiceStart: { turnId: newId(), sampleRateHz: 16000 } })) {
      this.update({ talking: false, notice: 'Not connected: you cannot talk right now.' });
      return;
    }
    this.mic.start({
      onFrame: (pcm) => this.link.transmit(pcm),
      onLevel: (level) => {
        const now = performance.now();
        if (now - this.lastLevelAt > 80) {
          this.lastLevelAt = now;
          this.update({ level });
        }
      },
    });
  }

  /** Push-to-talk released: what was said is transcribed and posted. */
  release(): void {
    if (!this.state.talking) return;
    const recording = this.mic.recording;
    this.mic.stop();
    this.update({ talking: false, level: 0 });
    if (!recording) return;
    const ref = `v${++this.refCounter}`;
    this.turnRefs.add(ref);
    this.link.transmit({ ref, voiceEnd: {} });
  }

  setMuted(muted: boolean): void {
    this.player.setMuted(muted);
    if (muted) this.player.stop();
    this.update({ muted });
  }

  /** The play button: have a persona's message spoken here. */
  play(messageId: string): void {
    this.player.unlock();
    this.link.transmit({ ref: `v${++this.refCounter}`, speak: { messageId } });
  }

  dismissNotice(): void {
    this.update({ notice: null });
  }

  private onFrame(frame: unknown): void {
    if (frame instanceof ArrayBuffer) {
      const audio = parseAudioFrame(frame);
      if (!audio) return;
      if (audio.audio.error?.message) this.update({ notice: audio.audio.error.message });
      if (!this.state.muted) this.player.play(audio);
      return;
    }
    const f = frame as {
      event?: { voiceCaption?: Partial<Caption> & { done?: boolean }; speechStopped?: { replyIds?: string[] } };
      error?: { ref?: string; message?: string };
    };
    const caption = f.event?.voiceCaption;
    if (caption?.participantId) {
      const captions = { ...this.state.captions };
      if (caption.done) delete captions[caption.participantId];
      else
        captions[caption.participantId] = {
          participantId: caption.participantId,
          turnId: caption.turnId ?? '',
          text: caption.text ?? '',
        };
      this.update({ captions });
    }
    const stopped = f.event?.speechStopped;
    if (stopped) this.player.stop(stopped.replyIds ?? []);
    if (f.error?.ref && this.turnRefs.has(f.error.ref)) {
      this.turnRefs.delete(f.error.ref);
      this.update({ notice: f.error.message ?? 'Your turn was not heard.' });
    }
  }

  private update(patch: Partial<VoiceState>): void {
    this.state = { ...this.state, ...patch };
    for (const l of this.listeners) l();
  }
}
