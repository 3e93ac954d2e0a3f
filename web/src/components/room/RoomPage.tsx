import { useCallback, useEffect, useState } from 'react';
import { api, ApiError } from '../../api/http';
import type { RoomInfo } from '../../api/models';
import { useRoomSession } from '../../hooks/useRoomSession';
import { inviteLink, inviteTokenFromHash } from '../../lib/invite';
import { storage } from '../../lib/storage';
import { clearLocationState, useLocation } from '../../router';
import type { CreatedState } from '../home/CreateRoomForm';
import { CreatedBanner } from './CreatedBanner';
import { FatalScreen } from './FatalScreen';
import { JoinForm } from './JoinForm';
import { RoomHeader } from './RoomHeader';
import { RoomView } from './RoomView';

interface RoomInfoState {
  room: RoomInfo | null;
  error: ApiError | null;
}

/** The room as the REST API sees it: for the header and join form before the socket is up. */
function useRoomInfo(roomId: string, inviteToken: string): RoomInfoState {
  const [state, setState] = useState<RoomInfoState>({ room: null, error: null });
  useEffect(() => {
    if (!inviteToken) return;
    const ctrl = new AbortController();
    api.getRoom(roomId, { inviteToken }, ctrl.signal).then(
      (room) => setState({ room, error: null }),
      (exc: unknown) => {
        if (ctrl.signal.aborted) return;
        setState({ room: null, error: exc instanceof ApiError ? exc : null });
      },
    );
    return () => ctrl.abort();
  }, [roomId, inviteToken]);
  return state;
}

export function RoomPage({ roomId }: { roomId: string }) {
  const location = useLocation();
  const fromHash = inviteTokenFromHash(location.hash);
  const [saved, setSaved] = useState(() => storage.room(roomId));
  const inviteToken = fromHash ?? saved?.inviteToken ?? '';
  const created = (location.state as Partial<CreatedState> | null)?.created ?? null;
  const [displayName, setDisplayName] = useState(() => storage.identity(roomId)?.displayName ?? '');
  const [peopleOpen, setPeopleOpen] = useState(false);
  const [unread, setUnread] = useState(0);
  const closePeople = useCallback(() => setPeopleOpen(false), []);
  const info = useRoomInfo(roomId, inviteToken);
  const accessDenied = info.error?.isAccessProblem ? info.error : null;

  // Remember rooms opened from an invite link, so they show under "Your rooms".
  const infoName = info.room?.name ?? '';
  useEffect(() => {
    if (!fromHash || accessDenied) return;
    storage.saveRoom({ roomId, name: infoName, inviteToken: fromHash });
    setSaved(storage.room(roomId));
  }, [roomId, fromHash, infoName, accessDenied]);

  const { session, state } = useRoomSession(
    displayName && inviteToken && !accessDenied ? { roomId, inviteToken, displayName } : null,
  );

  useEffect(() => {
    const name = state?.name || infoName;
    const base = name ? `${name} · Chorus` : 'Chorus';
    document.title = unread > 0 ? `(${unread}) ${base}` : base;
    return () => {
      document.title = 'Chorus';
    };
  }, [state?.name, infoName, unread]);

  if (!inviteToken) {
    return (
      <FatalScreen
        title="You need an invite link"
        message="Rooms are private. Ask someone in this room for its invite link."
      />
    );
  }
  if (accessDenied) return <FatalScreen code={accessDenied.code} message={accessDenied.message} status={accessDenied.status} />;
  if (state?.fatal) return <FatalScreen code={state.fatal.code} message={state.fatal.message} />;

  const link = inviteLink(window.location.origin, roomId, inviteToken);
  const name = state?.name || infoName || saved?.name || 'Room';
  const description = state ? state.description : (info.room?.description ?? '');
  const peopleCount = (state?.participants ?? info.room?.participants ?? []).length;

  const join = (n: string) => {
    storage.setDisplayName(roomId, n);
    setSaved(storage.room(roomId));
    setDisplayName(n);
  };
  const adopt = (ownerToken: string) => {
    storage.saveRoom({ roomId, name, inviteToken, ownerToken });
    setSaved(storage.room(roomId));
  };

  return (
    <div className="room-page">
      <RoomHeader
        name={name}
        description={description}
        link={link}
        connection={state?.connection ?? null}
        peopleCount={peopleCount}
        peopleOpen={peopleOpen}
        onTogglePeople={displayName ? () => setPeopleOpen((o) => !o) : null}
      />
      {created && <CreatedBanner ownerToken={created.ownerToken} onDismiss={clearLocationState} />}
      {!displayName ? (
        <JoinForm roomName={name} room={info.room} onJoin={join} />
      ) : session && state ? (
        <RoomView
          session={session}
          state={state}
          roomId={roomId}
          ownerToken={saved?.ownerToken ?? ''}
          onOwnerToken={adopt}
          peopleOpen={peopleOpen}
          onClosePeople={closePeople}
          onUnreadChange={setUnread}
        />
      ) : (
        <div className="room-loading muted">Connecting…</div>
      )}
    </div>
  );
}
