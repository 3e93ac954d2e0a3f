/**
 * The microphone while push-to-talk is held: 16 kHz PCM16 frames of 100 ms
 * for the server, and a level for the meter.
 */
import { Pcm16Encoder, level } from './pcm';

export type MicProblem = 'denied' | 'missing' | 'unsupported' | 'failed';

export class MicError extends Error {
  constructor(readonly problem: MicProblem, message: string) {
    super(message);
  }
}

export interface CaptureEvents {
  onFrame: (pcm: ArrayBuffer) => void;
  onLevel?: (value: number) => void;
}

/** An AudioWorklet that hands blocks of samples to the page. */
const WORKLET = `
class ChorusTap extends AudioWorkletProcessor {
  process(inputs) {
    const channel = inputs[0] && inputs[0][0];
    if (channel) this.port.postMessage(channel.slice(0));
    return true;
  }
}
registerProcessor('chorus-tap', ChorusTap);
`;

export class Microphone {
  private ctx: AudioContext | null = null;
  private stream: MediaStream | null = null;
  private node: AudioWorkletNode | null = null;
  private source: MediaStreamAudioSourceNode | null = null;
  private encoder: Pcm16Encoder | null = null;
  private events: CaptureEvents | null = null;

  /** Ask for the microphone once (a prompt the first time); throws MicError. */
  async open(): Promise<void> {
    if (this.ctx) return;
    if (!navigator.mediaDevices?.getUserMedia) {
      throw new MicError('unsupported', 'This browser cannot record audio here (it needs https or localhost).');
    }
    try {
      this.stream = await navigator.mediaDevices.getUserMedia({
        audio: { channelCount: 1, echoCancellation: true, noiseSuppression: true, autoGainControl: true },
      });
    } catch (exc) {
      const name = (exc as { name?: string }).name;
      if (name === 'NotAllowedError' || name === 'SecurityError') {
        throw new MicError('denied', 'The microphone is blocked. Allow it in the browser to talk.');
      }
      if (name === 'NotFoundError' || name === 'OverconstrainedError') {
        throw new MicError('missing', 'No microphone was found.');
      }
      throw new MicError('failed', 'The microphone could not be opened.');
    }
    const ctx = new AudioContext();
    const url = URL.createObjectURL(new Blob([WORKLET], { type: 'application/javascript' }));
    try {
      await ctx.audioWorklet.addModule(url);
    } finally {
      URL.revokeObjectURL(url);
    }
    this.ctx = ctx;
    this.source = ctx.createMediaStreamSource(this.stream);
    this.node = new AudioWorkletNode(ctx, 'chorus-tap');
    this.node.port.onmessage = (ev: MessageEvent<Float32Array>) => this.block(ev.data);
    this.source.connect(this.node);
  }

  /** Start sending frames (push-to-talk pressed). */
  start(events: CaptureEvents): void {
    if (!this.ctx) throw new MicError('failed', 'The microphone is not open.');
    void this.ctx.resume();
    this.encoder = new Pcm16Encoder(this.ctx.sampleRate);
    this.events = events;
  }

  /** Stop sending (released); the last partial frame is sent too. */
  stop(): void {
    const tail = this.encoder?.flush();
    if (tail && this.events) this.events.onFrame(tail);
    this.events?.onLevel?.(0);
    this.encoder = null;
    this.events = null;
  }

  get recording(): boolean {
    return this.encoder !== null;
  }

  close(): void {
    this.stop();
    this.source?.disconnect();
    this.node?.disconnect();
    this.stream?.getTracks().forEach((t) => t.stop());
    void this.ctx?.close();
    this.ctx = null;
    this.stream = null;
  }

  private block(samples: Float32Array): void {
    const encoder = this.encoder;
    const events = this.events;
    if (!encoder || !events) return;
    events.onLevel?.(level(samples));
    for (const frame of encoder.push(samples)) events.onFrame(frame);
  }
}
