import { useState, type FormEvent } from 'react';
import { api } from '../../api/http';

/** Lets the room's owner paste the owner token on another browser. */
export function OwnerTokenForm({ roomId, onOwnerToken }: { roomId: string; onOwnerToken: (token: string) => void }) {
  const [token, setToken] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const t = token.trim();
    if (!t) return;
    setBusy(true);
    setError('');
    try {
      const [summary] = await api.listRooms([{ roomId, creds: { ownerToken: t } }]);
      if (summary?.owner) onOwnerToken(t);
      else setError('That token does not administer this room.');
    } catch (exc) {
      setError(exc instanceof Error ? exc.message : String(exc));
    } finally {
      setBusy(false);
    }
  };

  return (
    <details className="side-section owner-token-form">
      <summary className="muted small">Own this room? Enter its owner token</summary>
      <form onSubmit={(e) => void submit(e)}>
        <input
          type="password"
          value={token}
          onChange={(e) => setToken(e.target.value)}
          placeholder="Owner token"
          autoComplete="off"
          aria-label="Owner token"
        />
        <button type="submit" className="button small" disabled={busy || !token.trim()}>
          {busy ? 'Checking…' : 'Unlock'}
        </button>
        {error && <p className="form-error small">{error}</p>}
      </form>
    </details>
  );
}
