import { useState, type FormEvent } from 'react';
import type { RoomInfo } from '../../api/models';
import { storage } from '../../lib/storage';

interface Props {
  roomName: string;
  room: RoomInfo | null;
  onJoin: (displayName: string) => void;
}

export function JoinForm({ roomName, room, onJoin }: Props) {
  const [name, setName] = useState(() => storage.lastDisplayName());
  const personas = room?.participants.filter((p) => p.kind === 'persona') ?? [];
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const n = name.trim();
    if (n) onJoin(n);
  };
  return (
    <main className="center-screen">
      <form className="card narrow join-form" onSubmit={submit}>
        <h2>Join {roomName}</h2>
        {room?.description && <p className="muted">{room.description}</p>}
        {personas.length > 0 && (
          <p className="small muted">
            In this room: {personas.map((p) => (p.title ? `${p.name} (${p.title})` : p.name)).join(', ')}
          </p>
        )}
        <label className="field">
          <span>Your name</span>
          <input
            data-testid="join-name"
            value={name}
            onChange={(e) => setName(e.target.value)}
            placeholder="How others will see you"
            maxLength={40}
            autoFocus
            required
          />
        </label>
        <button type="submit" className="button primary" data-testid="join-submit" disabled={!name.trim()}>
          Join room
        </button>
      </form>
    </main>
  );
}
