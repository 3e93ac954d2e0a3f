import { useEffect, useState } from 'react';
import { api } from '../api/http';
import type { PersonaPreset } from '../api/models';

let cache: Promise<PersonaPreset[]> | null = null;

/** Persona presets from /api/presets; [] when the server has none or cannot say (the editor works without). */
export function usePresets(): PersonaPreset[] {
  const [presets, setPresets] = useState<PersonaPreset[]>([]);
  useEffect(() => {
    let alive = true;
    if (!cache) {
      cache = api.listPresets().catch(() => {
        cache = null;
        return [];
      });
    }
    void cache.then((list) => alive && setPresets(list));
    return () => {
      alive = false;
    };
  }, []);
  return presets;
}
