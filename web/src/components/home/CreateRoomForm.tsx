import { useEffect, useRef, useState, type FormEvent } from 'react';
import { api } from '../../api/http';
import type { PersonaSpec } from '../../api/models';
import { useModels } from '../../hooks/useModels';
import { emptyPersona, examplePersona, personaProblem, trimPersona } from '../../lib/personas';
import { storage } from '../../lib/storage';
import { navigate } from '../../router';
import { PersonaFields } from '../common/PersonaFields';

/** Navigation state the room page reads to show the one-time owner token. */
export interface CreatedState {
  created: { ownerToken: string };
}

interface Row {
  key: number;
  spec: PersonaSpec;
}

export function CreateRoomForm() {
  const { models, error: modelsError } = useModels();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [yourName, setYourName] = useState(() => storage.lastDisplayName());
  const nextKey = useRef(1);
  const [rows, setRows] = useState<Row[]>(() => [{ key: 0, spec: examplePersona() }]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');

  // Once the models arrive, preselect the default wherever no model was chosen.
  const defaultModel = models?.defaultModel ?? '';
  useEffect(() => {
    if (!defaultModel) return;
    setRows((rs) => rs.map((r) => (r.spec.model ? r : { ...r, spec: { ...r.spec, model: defaultModel } })));
  }, [defaultModel]);

  const update = (key: number, spec: PersonaSpec) =>
    setRows((rs) => rs.map((r) => (r.key === key ? { ...r, spec } : r)));
  const remove = (key: number) => setRows((rs) => rs.filter((r) => r.key !== key));
  const add = () => setRows((rs) => [...rs, { key: nextKey.current++, spec: emptyPersona(defaultModel) }]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (busy) return;
    const personas = rows.map((r) => trimPersona(r.spec));
    const roomName = name.trim();
    const problem = !roomName ? 'Give the room a name.' : personaProblem(personas);
    if (problem) {
      setError(problem);
      return;
    }
    setBusy(true);
    setError('');
    try {
      const created = await api.createRoom({ name: roomName, description: description.trim(), personas });
      const roomId = created.room.id;
      storage.saveRoom({
        roomId,
        name: created.room.name || roomName,
        inviteToken: created.inviteToken,
        ownerToken: created.ownerToken,
      });
      // The creator joins with this name right away (no second prompt).
      if (yourName.trim()) storage.setDisplayName(roomId, yourName.trim());
      const state: CreatedState = { created: { ownerToken: created.ownerToken } };
      navigate(`/r/${encodeURIComponent(roomId)}#invite=${encodeURIComponent(created.inviteToken)}`, { state });
    } catch (exc) {
      setError(exc instanceof Error ? exc.message : String(exc));
      setBusy(false);
    }
  };

  return (
    <section className="card create-room" aria-labelledby="create-room-title">
      <h1 id="create-room-title">Create a room</h1>
      <form onSubmit={(e) => void submit(e)} noValidate>
        <label className="field">
          <span>Room name</span>
          <input
            data-testid="create-room-name"
            value={name}
            onChange={(e) => setName(e.target.value)}
            placeholder="Friday brainstorm"
            maxLength={80}
            required
            autoFocus
          />
        </label>
        <label className="field">
          <span>
            Description <em className="muted">(optional)</em>
          </span>
          <input
            data-testid="create-room-description"
            value={description}
            onChange={(e) => setDescription(e.target.value)}
            placeholder="What is this room for?"
            maxLength={300}
          />
        </label>

        <label className="field">
          <span>
            Your name <em className="muted">(how others in the room see you)</em>
          </span>
          <input
            data-testid="create-your-name"
            value={yourName}
            onChange={(e) => setYourName(e.target.value)}
            placeholder="Olivia"
            maxLength={40}
            autoComplete="nickname"
          />
        </label>

        <div className="section-title">
          <h2>Personas</h2>
          <span className="muted small">AI participants; @mention them to get an answer.</span>
        </div>
        {modelsError && <p className="hint warn">Could not load the model list ({modelsError}); the default model will be used.</p>}
        <ol className="persona-rows">
          {rows.map((row, i) => (
            <li key={row.key} className="persona-row">
              <PersonaFields value={row.spec} onChange={(s) => update(row.key, s)} models={models} suffix={String(i)} />
              <button
                type="button"
                className="button ghost small remove-persona"
                data-testid={`remove-persona-${i}`}
                onClick={() => remove(row.key)}
                aria-label={`Remove persona ${i + 1}`}
              >
                Remove
              </button>
            </li>
          ))}
        </ol>
        <button type="button" className="button ghost" data-testid="add-persona" onClick={add}>
          + Add persona
        </button>

        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
        <div className="form-actions">
          <button type="submit" className="button primary" data-testid="create-room-submit" disabled={busy}>
            {busy ? 'Creating…' : 'Create room'}
          </button>
        </div>
      </form>
    </section>
  );
}
