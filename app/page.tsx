import { checkDatabase } from "@/lib/api/health";
import { getStores } from "@/lib/api/stores";
import { version } from "@/lib/version";

export const dynamic = "force-dynamic";

export default async function HomePage() {
  const info = await checkDatabase(getStores());
  return (
    <main className="page">
      <h1>Tokenmeter</h1>
      <p className="muted">LLM chat with honest, exact token metering.</p>
      <section className="card" aria-labelledby="db-heading" data-testid="database-status">
        <h2 id="db-heading">Database</h2>
        {info.ok ? (
          <dl className="facts">
            <dt>Status</dt>
            <dd className="status-ok">connected</dd>
            <dt>Round trip</dt>
            <dd>{info.roundTripMs} ms</dd>
          </dl>
        ) : (
          <p className="status-error" role="alert">
            The database is not reachable. Check DATABASE_URL, or start the app with npm run dev.
          </p>
        )}
      </section>
      <p className="muted">Version {version}</p>
    </main>
  );
}
