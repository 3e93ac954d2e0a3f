import { RoomOptionsForm } from './RoomOptionsForm';
import { useEffect, useRef, useState } from 'react';
import { api } from '../../api/http';
import type { Participant, PersonaSpec } from '../../api/models';
import { emptyPersona } from '../../lib/personas';
import { liveReplies, type RoomState } from '../../protocol/roomState';
import { Avatar } from '../common/Avatar';
import { OwnerTokenForm } from './OwnerTokenForm';
import { PersonaEditor } from './PersonaEditor';

interface Props {
  state: RoomState;
  roomId: string;
  ownerToken: string;
  onOwnerToken: (token: string) => void;
  onError: (text: string) => void;
  /** Open as a drawer (narrow screens). */
  drawerOpen?: boolean;
  onClose?: () => void;
}

function specOf(p: Participant): PersonaSpec {
  return p.persona ?? { ...emptyPersona(), name: p.name, title: p.title };
}

export function ParticipantsPanel({ state, roomId, ownerToken, onOwnerToken, onError, drawerOpen = false, onClose }: Props) {
  const [editing, setEditing] = useState<string | null>(null);
  const closeButton = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (drawerOpen) closeButton.current?.focus();
  }, [drawerOpen]);
  const owner = Boolean(ownerToken);
  const answering = new Set(liveReplies(state).map((r) => r.personaId));
  const personas = state.participants.filter((p) => p.kind === 'persona');
  const people = state.participants
    .filter((p) => p.kind !== 'persona')
    .sort(
      (a, b) =>
        Number(Boolean(state.online[b.id])) - Number(Boolean(state.online[a.id])) || a.name.localeCompare(b.name),
    );
  const takenNames = (exceptId: string) => state.participants.filter((p) => p.id !== exceptId).map((p) => p.name);

  const remove = async (p: Participant) => {
    if (!window.confirm(`Remove ${p.name} from the room?`)) return;
    try {
      await api.removePersona(roomId, ownerToken, p.id);
    } catch (exc) {
      onError(`Could not remove ${p.name}: ${exc instanceof Error ? exc.message : String(exc)}`);
    }
  };

  return (
    <aside className="room-side" aria-label="Participants" id="room-people" data-testid="people-panel">
      {onClose && (
        <button
          ref={closeButton}
          type="button"
          className="icon-button drawer-close"
          onClick={onClose}
          aria-label="Close the people list"
          data-testid="drawer-close"
        >
          ×
        </button>
      )}
      <section className="side-section">
        <h3>
          Personas <span className="count">{personas.length}</span>
        </h3>
        <ul className="participant-list">
          {personas.map((p) =>
            editing === p.id ? (
              <li key={p.id} className="participant-editing">
                <PersonaEditor
                  suffix="edit"
                  initial={specOf(p)}
                  takenNames={takenNames(p.id)}
                  submitLabel="Save"
                  onSubmit={(spec) => api.updatePersona(roomId, ownerToken, p.id, spec)}
                  onDone={() => setEditing(null)}
                />
              </li>
            ) : (
              <li
                key={p.id}
                className="participant persona"
                data-testid="participant"
                data-kind="persona"
                data-participant-id={p.id}
                data-name={p.name}
              >
                <Avatar name={p.name} kind="persona" size="sm" />
                <div className="participant-main">
                  <span className="participant-name">{p.name}</span>
                  {p.title && <span className="participant-title">{p.title}</span>}
                  {answering.has(p.id) && <span className="participant-status">answering…</span>}
                </div>
                {owner && (
                  <div className="participant-actions">
                    <button
                      type="button"
                      className="button tiny ghost"
                      onClick={() => setEditing(p.id)}
                      aria-label={`Edit ${p.name}`}
                      data-testid="edit-persona"
                    >
                      Edit
                    </button>
                    <button
                      type="button"
                      className="button tiny ghost danger"
                      onClick={() => void remove(p)}
                      aria-label={`Remove ${p.name}`}
                      data-testid="remove-persona"
                    >
                      Remove
                    </button>
                  </div>
                )}
              </li>
            ),
          )}
        </ul>
        {owner &&
          (editing === 'new' ? (
            <PersonaEditor
              suffix="new"
              initial={emptyPersona()}
              takenNames={takenNames('')}
              submitLabel="Add"
              onSubmit={(spec) => api.addPersona(roomId, ownerToken, spec)}
              onDone={() => setEditing(null)}
            />
          ) : (
            <button
              type="button"
              className="button small ghost"
              onClick={() => setEditing('new')}
              data-testid="owner-add-persona"
            >
              + Add persona
            </button>
          ))}
        {owner && <RoomOptionsForm roomId={roomId} ownerToken={ownerToken} onError={onError} />}
      </section>

      <section className="side-section">
        <h3>
          People <span className="count">{people.length}</span>
        </h3>
        <ul className="participant-list">
          {people.map((p) => {
            const online = Boolean(state.online[p.id]);
            return (
              <li
                key={p.id}
                className={`participant human${online ? ' online' : ''}`}
                data-testid="participant"
                data-kind={p.kind}
                data-participant-id={p.id}
                data-name={p.name}
                data-online={online}
              >
                <span
                  className={`presence-dot${online ? ' on' : ''}`}
                  title={online ? 'online' : 'away'}
                  role="img"
                  aria-label={online ? 'online' : 'away'}
                />
                <div className="participant-main">
                  <span className="participant-name">
                    {p.name}
                    {p.id === state.you?.id && <span className="muted"> (you)</span>}
                  </span>
                </div>
              </li>
            );
          })}
        </ul>
      </section>

      {!owner && <OwnerTokenForm roomId={roomId} onOwnerToken={onOwnerToken} />}
    </aside>
  );
}
