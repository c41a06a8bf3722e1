import { createServer, type Server } from "node:http";
import { PROMETHEUS_CONTENT_TYPE, renderPrometheus } from "../../../worker/src/metrics/prometheus";
import { ConfigError } from "../config";
import type { LocalHost } from "./local-host";

/**
 * Serves `host` at `http://<host>:<port>/metrics` in the Prometheus text
 * format, rendered by the hub's own exposition code: the same metric names
 * and labels whether Prometheus scrapes the agent or the hub. Rejects with a
 * {@link ConfigError} naming the fix when the address cannot be bound.
 * Resolves with a function that stops the server.
 */
export async function servePrometheus(
  local: LocalHost,
  listen: { host: string; port: number },
): Promise<() => Promise<void>> {
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path !== "/metrics") {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found: metrics are at /metrics\n");
      return;
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD", "content-type": "text/plain" }).end("use GET\n");
      return;
    }
    const body = renderPrometheus([local.view(Date.now())]);
    res.writeHead(200, { "content-type": PROMETHEUS_CONTENT_TYPE, "cache-control": "no-store" });
    res.end(req.method === "HEAD" ? undefined : body);
  });
  await listenOn(server, listen);
  return () =>
    new Promise((resolve) => {
      server.close(() => resolve());
      // Scrapers keep connections open between scrapes.
      server.closeAllConnections();
    });
}

function listenOn(server: Server, { host, port }: { host: string; port: number }): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", (e: NodeJS.ErrnoException) => {
      const why = e.code === "EADDRINUSE" ? "the port is in use" : (e.code ?? e.message);
      reject(
        new ConfigError(
          `cannot serve Prometheus metrics on ${host}:${port} (${why}): choose another --prometheus-port or --prometheus-host`,
        ),
      );
    });
    server.listen(port, host, () => resolve());
  });
}
