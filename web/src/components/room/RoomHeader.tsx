import type { ConnectionState } from '../../protocol/roomState';
import { Link } from '../../router';
import { CopyButton } from '../common/CopyButton';
import { ThemeSwitch } from '../common/ThemeSwitch';
import { ConnectionStatus } from './ConnectionStatus';

interface Props {
  name: string;
  description: string;
  link: string;
  connection: ConnectionState | null;
  peopleCount: number;
  peopleOpen: boolean;
  onTogglePeople: (() => void) | null;
}

export function RoomHeader({ name, description, link, connection, peopleCount, peopleOpen, onTogglePeople }: Props) {
  return (
    <header className="room-header">
      <Link to="/" className="brand brand-small" aria-label="Chorus home">
        <span className="brand-mark" aria-hidden="true" />
      </Link>
      <div className="room-title">
        <h1 data-testid="room-name">{name}</h1>
        {description && <p className="room-description">{description}</p>}
      </div>
      <div className="room-header-actions">
        {connection && <ConnectionStatus state={connection} />}
        <div className="invite-box" title="Anyone with this link can join the room">
          <code className="invite-link" data-testid="invite-link">
            {link}
          </code>
          <CopyButton
            text={link}
            label={
              <>
                <span className="label-long">Copy invite link</span>
                <span className="label-short">Invite</span>
              </>
            }
            className="button small"
            testId="copy-invite"
          />
        </div>
        <ThemeSwitch />
        {onTogglePeople && (
          <button
            type="button"
            className={`button small people-toggle${peopleOpen ? ' active' : ''}`}
            onClick={onTogglePeople}
            aria-expanded={peopleOpen}
            aria-controls="room-people"
            data-testid="people-toggle"
          >
            People · {peopleCount}
          </button>
        )}
      </div>
    </header>
  );
}
