import { getDatabaseInfo, type DatabaseInfo } from "@/lib/db/info";
import { version } from "@/lib/version";

export const dynamic = "force-dynamic";

async function loadDatabaseInfo(): Promise<DatabaseInfo | null> {
  try {
    return await getDatabaseInfo();
  } catch (error) {
    console.error("[home] database unreachable:", error instanceof Error ? error.message : error);
    return null;
  }
}

export default async function HomePage() {
  const info = await loadDatabaseInfo();
  return (
    <main className="page">
      <h1>Tokenmeter</h1>
      <p className="muted">LLM chat with honest, exact token metering.</p>
      <section className="card" aria-labelledby="db-heading" data-testid="database-status">
        <h2 id="db-heading">Database</h2>
        {info ? (
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
