/** Microphone audio as the server wants it: 16 kHz mono PCM16LE in ~100 ms frames. */

export const TARGET_RATE = 16000;
/** Samples per frame sent: 100 ms at 16 kHz (3,200 bytes). */
export const FRAME_SAMPLES = 1600;

/**
 * Turns float samples at the device's rate into 16 kHz PCM16 frames. It keeps
 * its fractional position across calls, so a stream cut into arbitrary blocks
 * comes out the same as in one piece.
 */
export class Pcm16Encoder {
  private readonly step: number;
  /** Where the next output sample starts, in samples of `carry`. */
  private position = 0;
  /** Input not fully used yet (the start of the next output sample's span). */
  private carry = new Float32Array(0);
  private pending: number[] = [];

  constructor(inputRate: number) {
    this.step = inputRate / TARGET_RATE;
  }

  /** Frames completed by this block of input (each FRAME_SAMPLES long). */
  push(block: Float32Array): ArrayBuffer[] {
    const input = new Float32Array(this.carry.length + block.length);
    input.set(this.carry);
    input.set(block, this.carry.length);
    const frames: ArrayBuffer[] = [];
    // Average the input over each output sample's span: a cheap low-pass.
    while (this.position + this.step <= input.length) {
      const from = Math.floor(this.position);
      const to = Math.max(from + 1, Math.floor(this.position + this.step));
      let sum = 0;
      for (let i = from; i < to; i++) sum += input[i] ?? 0;
      this.pending.push(sum / (to - from));
      this.position += this.step;
      if (this.pending.length === FRAME_SAMPLES) frames.push(this.takeFrame());
    }
    const used = Math.floor(this.position);
    this.carry = input.slice(used);
    this.position -= used;
    return frames;
  }

  /** What is left, as a last (shorter) frame; null when nothing is. */
  flush(): ArrayBuffer | null {
    return this.pending.length ? this.takeFrame() : null;
  }

  private takeFrame(): ArrayBuffer {
    const out = new ArrayBuffer(this.pending.length * 2);
    const view = new DataView(out);
    this.pending.forEach((sample, i) => {
      const clipped = Math.max(-1, Math.min(1, sample));
      view.setInt16(i * 2, Math.round(clipped < 0 ? clipped * 32768 : clipped * 32767), true);
    });
    this.pending = [];
    return out;
  }
}

/** Root-mean-square level of a block, 0..1, for a level meter. */
export function level(block: Float32Array): number {
  if (!block.length) return 0;
  let sum = 0;
  for (const s of block) sum += s * s;
  return Math.min(1, Math.sqrt(sum / block.length) * 3);
}
