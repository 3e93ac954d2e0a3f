import { useEffect, useState } from 'react';
import { api } from '../api/http';
import type { ModelList } from '../api/models';

let cache: Promise<ModelList> | null = null;

function loadModels(): Promise<ModelList> {
  if (!cache) {
    cache = api.listModels().catch((exc: unknown) => {
      cache = null; // try again next time
      throw exc;
    });
  }
  return cache;
}

export interface ModelsState {
  models: ModelList | null;
  error: string;
}

/** The chat service's models (fetched once per page load). */
export function useModels(): ModelsState {
  const [state, setState] = useState<ModelsState>({ models: null, error: '' });
  useEffect(() => {
    let alive = true;
    loadModels().then(
      (models) => alive && setState({ models, error: '' }),
      (exc: unknown) =>
        alive && setState({ models: null, error: exc instanceof Error ? exc.message : String(exc) }),
    );
    return () => {
      alive = false;
    };
  }, []);
  return state;
}
