import { useEffect, useState } from 'react';
import { storage } from '../../lib/storage';

type Theme = '' | 'light' | 'dark';
const NEXT: Record<Theme, Theme> = { '': 'dark', dark: 'light', light: '' };
const LABEL: Record<Theme, string> = { '': 'Theme: system', dark: 'Theme: dark', light: 'Theme: light' };
const ICON: Record<Theme, string> = { '': '◐', dark: '☾', light: '☀' };

/** Applies the saved theme to <html data-theme>; call once at start. */
export function applySavedTheme(): void {
  const t = storage.theme();
  if (t) document.documentElement.dataset.theme = t;
  else delete document.documentElement.dataset.theme;
}

/** Cycles system → dark → light; remembered in this browser. */
export function ThemeSwitch() {
  const [theme, setTheme] = useState<Theme>(() => storage.theme() as Theme);
  useEffect(() => {
    storage.setTheme(theme);
    applySavedTheme();
  }, [theme]);
  return (
    <button
      type="button"
      className="button small ghost theme-switch"
      onClick={() => setTheme((t) => NEXT[t])}
      aria-label={`${LABEL[theme]} (change)`}
      title={LABEL[theme]}
      data-testid="theme-switch"
      data-theme={theme || 'system'}
    >
      <span aria-hidden="true">{ICON[theme]}</span>
    </button>
  );
}
