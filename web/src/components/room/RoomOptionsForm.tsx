import { useEffect, useState } from 'react';
import { api } from '../../api/http';
import type { RoomOptions } from '../../api/models';

interface Props {
  roomId: string;
  ownerToken: string;
  onError: (text: string) => void;
}

const LABELS: { key: keyof RoomOptions; label: string; hint: string }[] = [
  {
    key: 'speakReplies',
    label: 'Speak every reply aloud',
    hint: 'Otherwise personas speak only when answering someone who talked.',
  },
  {
    key: 'spokenTurnsNeedAName',
    label: 'Spoken turns must name a persona',
    hint: 'Otherwise the persona that last answered you answers again.',
  },
];

/** The room's voice options, for its owner. */
export function RoomOptionsForm({ roomId, ownerToken, onError }: Props) {
  const [options, setOptions] = useState<RoomOptions | null>(null);
  const [saving, setSaving] = useState(false);

  useEffect(() => {
    let alive = true;
    api.getRoom(roomId, { ownerToken }).then(
      (room) => alive && setOptions(room.options ?? { speakReplies: false, spokenTurnsNeedAName: false }),
      () => alive && setOptions(null),
    );
    return () => {
      alive = false;
    };
  }, [roomId, ownerToken]);

  if (!options) return null;

  const toggle = async (key: keyof RoomOptions, value: boolean) => {
    const next = { ...options, [key]: value };
    setSaving(true);
    try {
      const room = await api.updateRoom(roomId, ownerToken, { options: next });
      setOptions(room.options ?? next);
    } catch (exc) {
      onError(`Could not change the room's options: ${exc instanceof Error ? exc.message : String(exc)}`);
    } finally {
      setSaving(false);
    }
  };

  return (
    <fieldset className="room-options" disabled={saving} data-testid="room-options">
      <legend>Voice</legend>
      {LABELS.map(({ key, label, hint }) => (
        <label key={key} className="room-option" title={hint}>
          <input
            type="checkbox"
            checked={options[key]}
            onChange={(e) => void toggle(key, e.target.checked)}
            data-testid={`room-option-${key}`}
          />
          <span>
            {label}
            <span className="field-hint"> — {hint}</span>
          </span>
        </label>
      ))}
    </fieldset>
  );
}
