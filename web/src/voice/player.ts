/**
 * Plays the room's speech: the pieces of each reply in order and without
 * gaps, one reply after another (the server already sends them in that
 * order), and stops at once on barge-in.
 */
import type { ReplyAudioFrame } from './audioFrame';

interface Scheduled {
  replyId: string;
  personaId: string;
  source: AudioBufferSourceNode;
  endsAt: number;
}

export interface SpeechPlayerEvents {
  /** The persona whose speech is playing now, or null when the room is quiet. */
  onSpeaking?: (personaId: string | null, replyId: string | null) => void;
}

type ContextFactory = () => AudioContext;

export class SpeechPlayer {
  private ctx: AudioContext | null = null;
  private gain: GainNode | null = null;
  private nextStart = 0;
  private scheduled: Scheduled[] = [];
  private muted = false;
  private timer: ReturnType<typeof setInterval> | null = null;
  private current: string | null = null;
  /** Replies whose remaining audio is to be dropped (stopped). */
  private readonly dropped = new Set<string>();

  constructor(
    private readonly events: SpeechPlayerEvents = {},
    private readonly makeContext: ContextFactory = () => new AudioContext(),
  ) {}

  /** Call from a user gesture (a click, a key) so that the browser lets audio play. */
  unlock(): void {
    const ctx = this.context();
    if (ctx.state === 'suspended') void ctx.resume();
  }

  setMuted(muted: boolean): void {
    this.muted = muted;
    if (this.gain) this.gain.gain.value = muted ? 0 : 1;
  }

  get isMuted(): boolean {
    return this.muted;
  }

  play(frame: ReplyAudioFrame): void {
    const { audio, samples } = frame;
    if (this.dropped.has(audio.replyId) || !samples.length || !audio.sampleRateHz) return;
    const ctx = this.context();
    const buffer = ctx.createBuffer(1, samples.length, audio.sampleRateHz);
    buffer.copyToChannel(samples as Float32Array<ArrayBuffer>, 0);
    const source = ctx.createBufferSource();
    source.buffer = buffer;
    source.connect(this.gain ?? ctx.destination);
    // A small lead on the first piece absorbs scheduling jitter; later pieces
    // start exactly where the previous one ends (no gap, no overlap).
    const startAt = Math.max(this.nextStart, ctx.currentTime + 0.05);
    source.start(startAt);
    this.nextStart = startAt + buffer.duration;
    this.scheduled.push({
      replyId: audio.replyId,
      personaId: audio.personaId,
      source,
      endsAt: this.nextStart,
    });
    this.watch();
  }

  /** Stop these replies' speech (all when empty), playing or queued. */
  stop(replyIds: readonly string[] = []): void {
    const all = replyIds.length === 0;
    for (const id of replyIds) this.dropped.add(id);
    const keep: Scheduled[] = [];
    for (const item of this.scheduled) {
      if (all || replyIds.includes(item.replyId)) {
        if (all) this.dropped.add(item.replyId);
        try {
          item.source.stop();
        } catch {
          // not started yet or already stopped
        }
      } else keep.push(item);
    }
    this.scheduled = keep;
    this.nextStart = keep.at(-1)?.endsAt ?? 0;
    this.tick();
  }

  /** Whether anything is playing or queued. */
  get busy(): boolean {
    return this.scheduled.length > 0;
  }

  close(): void {
    this.stop();
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    void this.ctx?.close();
    this.ctx = null;
  }

  private context(): AudioContext {
    if (!this.ctx) {
      this.ctx = this.makeContext();
      this.gain = this.ctx.createGain();
      this.gain.gain.value = this.muted ? 0 : 1;
      this.gain.connect(this.ctx.destination);
    }
    return this.ctx;
  }

  private watch(): void {
    if (!this.timer) this.timer = setInterval(() => this.tick(), 50);
    this.tick();
  }

  private tick(): void {
    const now = this.ctx?.currentTime ?? 0;
    this.scheduled = this.scheduled.filter((item) => item.endsAt > now);
    const playing = this.scheduled.find((item) => item.endsAt - (item.source.buffer?.duration ?? 0) <= now + 0.01);
    const speaker = playing ? playing.personaId : null;
    if (speaker !== this.current) {
      this.current = speaker;
      this.events.onSpeaking?.(speaker, playing ? playing.replyId : null);
    }
    if (!this.scheduled.length && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }
}
