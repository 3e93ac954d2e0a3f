import { HomePage } from './components/home/HomePage';
import { RoomPage } from './components/room/RoomPage';
import { roomIdFromPath } from './lib/invite';
import { Link, useLocation } from './router';

export function App() {
  const location = useLocation();
  const roomId = roomIdFromPath(location.pathname);

  let page;
  if (location.pathname === '/' || location.pathname === '/index.html') page = <HomePage />;
  else if (roomId) page = <RoomPage key={roomId} roomId={roomId} />;
  else page = <NotFound />;

  return <div className="app">{page}</div>;
}

function NotFound() {
  return (
    <main className="center-screen">
      <div className="card narrow">
        <h1>Nothing here</h1>
        <p className="muted">This page does not exist.</p>
        <Link to="/" className="button primary">
          Go home
        </Link>
      </div>
    </main>
  );
}
