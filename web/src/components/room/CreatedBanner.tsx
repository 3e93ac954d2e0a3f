import { CopyButton } from '../common/CopyButton';

/** Shown once, right after creating a room: the owner token is not shown again. */
export function CreatedBanner({ ownerToken, onDismiss }: { ownerToken: string; onDismiss: () => void }) {
  return (
    <div className="banner created-banner" role="region" aria-label="Room created" data-testid="created-banner">
      <div className="banner-body">
        <strong>Your room is ready.</strong> Share the invite link above with the people you want in it.
        {ownerToken && (
          <div className="owner-token">
            <span>Owner token:</span>
            <code data-testid="owner-token">{ownerToken}</code>
            <CopyButton text={ownerToken} className="button small" testId="copy-owner-token" />
            <p className="muted small">
              It lets you add and remove personas. It is saved in this browser only and shown just this once: keep a
              copy somewhere safe to administer the room from elsewhere.
            </p>
          </div>
        )}
      </div>
      <button type="button" className="icon-button" onClick={onDismiss} aria-label="Dismiss">
        ×
      </button>
    </div>
  );
}
