import { useEffect, useState, useSyncExternalStore } from 'react';
import type { RoomSession } from '../protocol/session';
import { VoiceRoom, type VoiceState } from '../voice/voiceRoom';

const noSubscribe = () => () => {};
const noSnapshot = () => null;

/** Voice for the member of `session` (null while there is none). */
export function useVoiceRoom(session: RoomSession | null): { voice: VoiceRoom | null; state: VoiceState | null } {
  const [voice, setVoice] = useState<VoiceRoom | null>(null);
  useEffect(() => {
    if (!session) return;
    const v = new VoiceRoom({
      transmit: (frame) => session.transmitRaw(frame),
      listen: (listener) => session.listen(listener),
    });
    v.start();
    setVoice(v);
    return () => {
      v.stop();
      setVoice((cur) => (cur === v ? null : cur));
    };
  }, [session]);
  const state = useSyncExternalStore(voice ? voice.subscribe : noSubscribe, voice ? voice.getSnapshot : noSnapshot);
  return { voice, state };
}
