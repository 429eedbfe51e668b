import { PGlite } from "@electric-sql/pglite";
import { vector } from "@electric-sql/pglite-pgvector";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";

/*
 * A real Postgres (PGlite: Postgres compiled to WebAssembly, with pgvector)
 * served over the Postgres wire protocol on 127.0.0.1 and a free port, for the
 * `pg` client. One backend session serves every connection, one statement at
 * a time, and a transaction holds the others back until it ends: a floor for
 * a real server's speed, and enough for its behaviour.
 *
 * Run as a script (`node --import tsx test/fakes/pglite-server.ts`) it prints
 * its DATABASE_URL and serves until stopped.
 */

export interface PgliteServer {
  /** postgres://… for DATABASE_URL. */
  readonly url: string;
  readonly db: PGlite;
  stop(): Promise<void>;
}

/**
 * Starts an empty in-memory database (about 5 s: initdb runs in WebAssembly).
 * `vector: false` leaves pgvector out, as on a server without it.
 */
export async function startPgliteServer(options: { readonly vector?: boolean } = {}): Promise<PgliteServer> {
  const db = await PGlite.create(options.vector === false ? {} : { extensions: { vector } });
  const server = new PGLiteSocketServer({ db, host: "127.0.0.1", port: 0, maxConnections: 16 });
  await server.start();
  const url = `postgres://postgres@${server.getServerConn()}/postgres?sslmode=disable`;
  return {
    url,
    db,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const s = await startPgliteServer();
  process.stdout.write(`${s.url}\n`);
  const stop = () => void s.stop().then(() => process.exit(0));
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}
