import { useEffect, useState, type FormEvent } from 'react';
import type { PersonaSpec } from '../../api/models';
import { useModels } from '../../hooks/useModels';
import { personaProblem, trimPersona } from '../../lib/personas';
import { PersonaFields } from '../common/PersonaFields';

interface Props {
  suffix: string;
  initial: PersonaSpec;
  takenNames: string[];
  submitLabel: string;
  onSubmit: (spec: PersonaSpec) => Promise<unknown>;
  onDone: () => void;
}

/** The owner's form for adding or editing a persona. */
export function PersonaEditor({ suffix, initial, takenNames, submitLabel, onSubmit, onDone }: Props) {
  const { models } = useModels();
  const [spec, setSpec] = useState(initial);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');

  const defaultModel = models?.defaultModel ?? '';
  useEffect(() => {
    if (defaultModel) setSpec((s) => (s.model ? s : { ...s, model: defaultModel }));
  }, [defaultModel]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const clean = trimPersona(spec);
    const problem = personaProblem([clean], takenNames);
    if (problem) {
      setError(problem);
      return;
    }
    setBusy(true);
    setError('');
    try {
      await onSubmit(clean);
      onDone();
    } catch (exc) {
      setError(exc instanceof Error ? exc.message : String(exc));
      setBusy(false);
    }
  };

  return (
    <form className="persona-editor" onSubmit={(e) => void submit(e)} noValidate>
      <PersonaFields value={spec} onChange={setSpec} models={models} suffix={suffix} />
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      <div className="form-actions">
        <button type="button" className="button small ghost" onClick={onDone} disabled={busy}>
          Cancel
        </button>
        <button type="submit" className="button small primary" disabled={busy} data-testid={`persona-submit-${suffix}`}>
          {busy ? 'Saving…' : submitLabel}
        </button>
      </div>
    </form>
  );
}
