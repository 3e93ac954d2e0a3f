import type { Notice } from '../../protocol/roomState';

export function Notices({ notices, onDismiss }: { notices: Notice[]; onDismiss: (id: number) => void }) {
  if (!notices.length) return null;
  return (
    <div className="notices" aria-live="polite">
      {notices.map((n) => (
        <div key={n.id} className={`notice notice-${n.tone}`} data-testid="notice" data-code={n.code}>
          <span>{n.text}</span>
          <button type="button" className="icon-button" onClick={() => onDismiss(n.id)} aria-label="Dismiss" data-testid="dismiss-notice">
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
