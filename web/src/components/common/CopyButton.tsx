import { useEffect, useState, type ReactNode } from 'react';
import { copyText } from '../../lib/clipboard';

interface Props {
  text: string;
  label?: ReactNode;
  className?: string;
  testId?: string;
  ariaLabel?: string;
}

export function CopyButton({ text, label = 'Copy', className = 'button', testId, ariaLabel }: Props) {
  const [status, setStatus] = useState<'idle' | 'copied' | 'failed'>('idle');
  useEffect(() => {
    if (status === 'idle') return;
    const t = setTimeout(() => setStatus('idle'), 1800);
    return () => clearTimeout(t);
  }, [status]);
  return (
    <button
      type="button"
      className={className}
      data-testid={testId}
      aria-label={status === 'idle' ? ariaLabel : undefined}
      onClick={() => void copyText(text).then((ok) => setStatus(ok ? 'copied' : 'failed'))}
    >
      {status === 'copied' ? 'Copied ✓' : status === 'failed' ? 'Copy failed' : label}
    </button>
  );
}
