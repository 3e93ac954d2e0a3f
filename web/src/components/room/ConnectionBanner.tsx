import type { ConnectionState } from '../../protocol/roomState';

/** A visible banner while the room is not live (after the first join). */
export function ConnectionBanner({
  state,
  joined,
  pending,
}: {
  state: ConnectionState;
  joined: boolean;
  pending: number;
}) {
  if (!joined || state === 'live' || state === 'connecting') return null;
  const waiting = pending ? ` ${pending} message${pending === 1 ? '' : 's'} will be sent when it is back.` : '';
  const text =
    state === 'offline'
      ? `You are offline. Reconnecting as soon as the network is back.${waiting}`
      : `Connection lost. Reconnecting…${waiting}`;
  return (
    <div className={`connection-banner connection-banner-${state}`} role="alert" data-testid="connection-banner" data-state={state}>
      {text}
    </div>
  );
}
