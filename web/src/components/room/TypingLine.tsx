import { participantName, type RoomState } from '../../protocol/roomState';

export function TypingLine({ state }: { state: RoomState }) {
  const names = Object.keys(state.typing)
    .map((id) => participantName(state, id))
    .filter(Boolean);
  let text = '';
  if (names.length === 1) text = `${names[0]} is typing…`;
  else if (names.length === 2) text = `${names[0]} and ${names[1]} are typing…`;
  else if (names.length > 2) text = 'Several people are typing…';
  return (
    <div className="typing-line muted small" aria-live="polite">
      {text}
    </div>
  );
}
