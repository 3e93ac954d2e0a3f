import { useEffect, useState } from 'react';
import { api } from '../api/http';
import type { VoiceOption } from '../api/models';

let cache: Promise<VoiceOption[]> | null = null;

/** The voices personas may speak with; [] when the server runs without voice. */
export function useVoices(): VoiceOption[] {
  const [voices, setVoices] = useState<VoiceOption[]>([]);
  useEffect(() => {
    let alive = true;
    cache ??= api.listVoices().catch(() => {
      cache = null; // try again next time
      return [];
    });
    void cache.then((v) => alive && setVoices(v));
    return () => {
      alive = false;
    };
  }, []);
  return voices;
}
