/**
 * Speech from the server arrives as binary WebSocket frames (docs/protocol.md,
 * "Voice"): a 2-byte big-endian header length N, N bytes of JSON (a
 * ServerFrame whose event is `replyAudio`, without its `pcm`), then the audio
 * as PCM16LE mono.
 */

export interface ReplyAudioHeader {
  replyId: string;
  personaId: string;
  index: number;
  sampleRateHz: number;
  text: string;
  last: boolean;
  error?: { code?: string; message?: string };
}

export interface ReplyAudioFrame {
  audio: ReplyAudioHeader;
  /** Samples as floats in [-1, 1). */
  samples: Float32Array;
}

export function parseAudioFrame(data: ArrayBuffer): ReplyAudioFrame | null {
  if (data.byteLength < 2) return null;
  const view = new DataView(data);
  const headerLength = view.getUint16(0, false);
  if (2 + headerLength > data.byteLength) return null;
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder().decode(new Uint8Array(data, 2, headerLength)));
  } catch {
    return null;
  }
  const raw = (header as { event?: { replyAudio?: Record<string, unknown> } })?.event?.replyAudio;
  if (!raw || typeof raw.replyId !== 'string') return null;
  const audio: ReplyAudioHeader = {
    replyId: raw.replyId,
    personaId: typeof raw.personaId === 'string' ? raw.personaId : '',
    index: typeof raw.index === 'number' ? raw.index : 0,
    sampleRateHz: typeof raw.sampleRateHz === 'number' ? raw.sampleRateHz : 0,
    text: typeof raw.text === 'string' ? raw.text : '',
    last: raw.last === true,
    error: raw.error as ReplyAudioHeader['error'],
  };
  const offset = 2 + headerLength;
  const count = Math.floor((data.byteLength - offset) / 2);
  const samples = new Float32Array(count);
  for (let i = 0; i < count; i++) samples[i] = view.getInt16(offset + 2 * i, true) / 32768;
  return { audio, samples };
}
