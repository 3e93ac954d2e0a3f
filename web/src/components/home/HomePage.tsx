import { ThemeSwitch } from '../common/ThemeSwitch';
import { CreateRoomForm } from './CreateRoomForm';
import { YourRooms } from './YourRooms';

export function HomePage() {
  return (
    <div className="home">
      <header className="home-header">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true" />
          <span className="brand-name">Chorus</span>
        </div>
        <p className="tagline">Chat rooms where people and AI personas talk together.</p>
        <ThemeSwitch />
      </header>
      <main className="home-grid">
        <CreateRoomForm />
        <YourRooms />
      </main>
    </div>
  );
}
