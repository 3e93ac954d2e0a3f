import { useEffect, useState } from 'react';
import { api } from '../../api/http';
import type { RoomSummary } from '../../api/models';
import { formatAgo } from '../../lib/time';
import { storage, type SavedRoom } from '../../lib/storage';
import { Link } from '../../router';

type Status = 'loading' | 'ok' | 'offline';

export function YourRooms() {
  const [saved, setSaved] = useState<SavedRoom[]>(() => storage.rooms());
  const [summaries, setSummaries] = useState<Map<string, RoomSummary>>(new Map());
  const [status, setStatus] = useState<Status>(saved.length ? 'loading' : 'ok');

  useEffect(() => {
    const rooms = storage.rooms();
    if (!rooms.length) return;
    let alive = true;
    api
      .listRooms(
        rooms.map((r) => ({
          roomId: r.roomId,
          creds: r.ownerToken ? { ownerToken: r.ownerToken } : { inviteToken: r.inviteToken },
        })),
      )
      .then(
        (list) => {
          if (!alive) return;
          for (const s of list) if (s.name) storage.renameRoom(s.id, s.name);
          setSummaries(new Map(list.map((s) => [s.id, s])));
          setSaved(storage.rooms());
          setStatus('ok');
        },
        () => alive && setStatus('offline'),
      );
    return () => {
      alive = false;
    };
  }, []);

  const forget = (room: SavedRoom) => {
    if (
      room.ownerToken &&
      !window.confirm('Forget this room? Its owner token is stored only in this browser and will be lost.')
    )
      return;
    storage.forgetRoom(room.roomId);
    setSaved(storage.rooms());
  };

  return (
    <section className="card your-rooms" aria-labelledby="your-rooms-title">
      <h2 id="your-rooms-title">Your rooms</h2>
      {!saved.length && <p className="muted">Rooms you create or join from this browser show up here.</p>}
      {status === 'offline' && <p className="hint warn">Could not reach the server; showing what this browser remembers.</p>}
      <ul className="room-list">
        {saved.map((r) => {
          const s = summaries.get(r.roomId);
          const gone = status === 'ok' && !s;
          const href = `/r/${encodeURIComponent(r.roomId)}#invite=${encodeURIComponent(r.inviteToken)}`;
          return (
            <li key={r.roomId} className={`room-item${gone ? ' gone' : ''}`} data-testid="saved-room">
              <div className="room-item-main">
                {gone ? (
                  <span className="room-item-name">{r.name || 'Untitled room'}</span>
                ) : (
                  <Link to={href} className="room-item-name">
                    {s?.name || r.name || 'Untitled room'}
                  </Link>
                )}
                {(s?.owner || r.ownerToken) && !gone && <span className="badge">owner</span>}
              </div>
              {s?.description && <p className="room-item-desc">{s.description}</p>}
              <div className="room-item-meta muted small">
                {gone ? (
                  <span>No longer available</span>
                ) : s ? (
                  <span>
                    {s.personaCount} persona{s.personaCount === 1 ? '' : 's'}
                    {s.lastActivityMs ? ` · active ${formatAgo(s.lastActivityMs)}` : ''}
                  </span>
                ) : null}
                <button type="button" className="link-button" onClick={() => forget(r)}>
                  Forget
                </button>
              </div>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
