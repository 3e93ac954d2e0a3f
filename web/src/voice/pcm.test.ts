import { describe, expect, it } from 'vitest';
import { FRAME_SAMPLES, Pcm16Encoder, level } from './pcm';
import { parseAudioFrame } from './audioFrame';

describe('Pcm16Encoder', () => {
  it('resamples 48 kHz to 16 kHz frames of 100 ms', () => {
    const enc = new Pcm16Encoder(48000);
    const second = new Float32Array(48000).map((_, i) => Math.sin((2 * Math.PI * 440 * i) / 48000) * 0.5);
    const frames = enc.push(second);
    expect(frames).toHaveLength(10);
    for (const f of frames) expect(f.byteLength).toBe(FRAME_SAMPLES * 2);
    expect(enc.flush()).toBeNull();
  });

  it('gives the same samples whether the input comes whole or in blocks', () => {
    const input = new Float32Array(44100).map((_, i) => Math.sin(i / 7) * 0.3);
    const whole = new Pcm16Encoder(44100).push(input);
    const split = new Pcm16Encoder(44100);
    const parts: ArrayBuffer[] = [];
    for (let i = 0; i < input.length; i += 128) parts.push(...split.push(input.subarray(i, i + 128)));
    expect(parts.length).toBe(whole.length);
    const a = new Int16Array(whole[3] as ArrayBuffer);
    const b = new Int16Array(parts[3] as ArrayBuffer);
    let maxDiff = 0;
    for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs((a[i] ?? 0) - (b[i] ?? 0)));
    expect(maxDiff).toBeLessThanOrEqual(1200); // a span may start one input sample apart
  });

  it('clips and flushes the tail', () => {
    const enc = new Pcm16Encoder(16000);
    expect(enc.push(new Float32Array(100).fill(2))).toHaveLength(0);
    const tail = enc.flush();
    expect(tail && new Int16Array(tail)[0]).toBe(32767);
  });

  it('measures a level', () => {
    expect(level(new Float32Array(10))).toBe(0);
    expect(level(new Float32Array(10).fill(0.5))).toBeGreaterThan(0.9);
  });
});

describe('parseAudioFrame', () => {
  function frame(header: unknown, samples: number[]): ArrayBuffer {
    const head = new TextEncoder().encode(JSON.stringify(header));
    const buf = new ArrayBuffer(2 + head.length + samples.length * 2);
    const view = new DataView(buf);
    view.setUint16(0, head.length, false);
    new Uint8Array(buf, 2, head.length).set(head);
    samples.forEach((s, i) => view.setInt16(2 + head.length + 2 * i, s, true));
    return buf;
  }

  it('reads the header and the samples', () => {
    const parsed = parseAudioFrame(
      frame({ event: { replyAudio: { replyId: 'm1', personaId: 'p1', index: 2, sampleRateHz: 22050, text: 'Hi.' } } }, [
        0, 16384, -32768,
      ]),
    );
    expect(parsed?.audio).toMatchObject({ replyId: 'm1', personaId: 'p1', index: 2, sampleRateHz: 22050, last: false });
    expect(Array.from(parsed?.samples ?? [])).toEqual([0, 0.5, -1]);
  });

  it('refuses what is not a reply audio frame', () => {
    expect(parseAudioFrame(new ArrayBuffer(1))).toBeNull();
    expect(parseAudioFrame(frame({ event: { typing: {} } }, []))).toBeNull();
    const broken = frame({ event: { replyAudio: { replyId: 'x' } } }, []);
    new DataView(broken).setUint16(0, 9999, false);
    expect(parseAudioFrame(broken)).toBeNull();
  });
});
