/**
 * A process that starts a cluster through startLocalPostgres and then waits to be killed: used by
 * local-postgres-leftovers.test.ts. Prints one JSON line once the cluster is up.
 *
 *   node --import tsx tests/integration/local-postgres-holder.ts <ephemeral|persistent> <port> [dataDir]
 */
import path from "node:path";
import { makeTempDir, startLocalPostgres } from "../../scripts/db/local-postgres";

const [mode, port, dataDirArg] = process.argv.slice(2);
const dataDir = dataDirArg ?? path.join(makeTempDir("lp"), "pg");
const db = await startLocalPostgres({ dataDir, port: Number(port), ephemeral: mode === "ephemeral", fast: true });
console.log(JSON.stringify({ dataDir: db.dataDir, postmasterPid: db.pid, url: db.url }));
setInterval(() => {}, 60_000);
