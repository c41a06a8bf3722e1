import { createServer, type Server } from "node:http";
import { createServer as createTcpServer } from "node:net";
import type { TestProject } from "vitest/node";

/**
 * Probe targets for the workerd tests: a real HTTP server on loopback,
 * started in Node by vitest before the tests (workerd's outbound fetch and
 * `connect()` reach 127.0.0.1), and a port nothing listens on. Paths:
 * `/ok` (200, "all systems go"), `/status/<n>`, `/slow/<ms>`, `/hang`
 * (never answers), `/redirect` (302 to /ok), `/echo-headers` (the request's
 * headers as JSON), `/toggle/<key>` (200 or 503 as `/toggle/<key>/up`
 * and `/toggle/<key>/down` last set it; one switch per key, so test files
 * running at once do not share one).
 */
declare module "vitest" {
  export interface ProvidedContext {
    probeHttp: string;
    probeClosedPort: number;
  }
}

function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createTcpServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === "object" && addr ? resolve(addr.port) : reject(new Error("no port"))));
    });
  });
}

export default async function setup(project: TestProject) {
  const down = new Set<string>();
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    const status = /^\/status\/(\d{3})$/.exec(path);
    const slow = /^\/slow\/(\d+)$/.exec(path);
    const toggle = /^\/toggle\/([\w-]+)(\/up|\/down)?$/.exec(path);
    if (path === "/ok") res.end("all systems go");
    else if (status) {
      res.statusCode = Number(status[1]);
      res.end(`status ${status[1]}`);
    } else if (slow) setTimeout(() => res.end("slow but fine"), Number(slow[1]));
    else if (path === "/hang") return;
    else if (path === "/redirect") {
      res.writeHead(302, { Location: "/ok" });
      res.end();
    } else if (path === "/echo-headers") res.end(JSON.stringify(req.headers));
    else if (toggle) {
      const [, key = "", set] = toggle;
      if (set === "/down") down.add(key);
      else if (set === "/up") down.delete(key);
      res.statusCode = set || !down.has(key) ? 200 : 503;
      res.end(set ? "set" : down.has(key) ? "down" : "up");
    } else {
      res.statusCode = 404;
      res.end("no such path");
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const addr = server.address();
  if (typeof addr !== "object" || !addr) throw new Error("probe target server has no port");
  project.provide("probeHttp", `http://127.0.0.1:${addr.port}`);
  project.provide("probeClosedPort", await closedPort());
  return async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
}
