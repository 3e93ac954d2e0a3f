import { Link } from '../../router';

interface Props {
  code?: string;
  status?: number;
  title?: string;
  message?: string;
}

function titleFor(code: string | undefined, status: number | undefined): string {
  switch (code) {
    case 'ERROR_CODE_BAD_INVITE':
      return 'This invite link does not work';
    case 'ERROR_CODE_UNKNOWN_ROOM':
      return 'This room does not exist';
    case 'ERROR_CODE_FORBIDDEN':
      return 'You cannot enter this room';
    default:
      if (status === 404) return 'This room does not exist';
      if (status === 401 || status === 403) return 'This invite link does not work';
      return 'You have left the room';
  }
}

/** The end of a session: nothing to retry, only somewhere to go. */
export function FatalScreen({ code, status, title, message }: Props) {
  return (
    <main className="center-screen" data-testid="fatal-screen" data-code={code ?? ''}>
      <div className="card narrow">
        <h1>{title ?? titleFor(code, status)}</h1>
        {message && <p className="muted">{message}</p>}
        <p className="muted small">Check the link you were given, or ask for a new one.</p>
        <Link to="/" className="button primary">
          Go to Chorus home
        </Link>
      </div>
    </main>
  );
}
