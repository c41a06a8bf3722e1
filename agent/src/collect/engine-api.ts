import { existsSync } from "node:fs";
import { Agent, request } from "node:http";

/**
 * A client of the Docker Engine API over its unix socket
 * (https://docs.docker.com/reference/api/engine/), which Podman also serves
 * (https://docs.podman.io/en/latest/_static/api.html, "compat" endpoints).
 * node:http with `socketPath`: the agent never spawns the `docker` CLI.
 */

/** Where engines listen, in the order they are tried: rootful Docker, rootless Docker, Podman. */
export function defaultEngineSockets(env: NodeJS.ProcessEnv = process.env): string[] {
  const out = ["/var/run/docker.sock"];
  const runtime = env.XDG_RUNTIME_DIR;
  if (runtime) out.push(`${runtime}/docker.sock`);
  out.push("/run/podman/podman.sock");
  if (runtime) out.push(`${runtime}/podman/podman.sock`);
  return out;
}

/** The first socket of `candidates` that exists, or undefined: then the host has no containers. */
export function findEngineSocket(candidates: readonly string[]): string | undefined {
  return candidates.find((p) => existsSync(p));
}

/** An Engine API answer that was not 2xx, or a socket that did not answer. */
export class EngineError extends Error {}

/** Largest body read from the engine: a list of 1,000 containers is about 1 MB. */
const MAX_BODY = 8 * 1024 * 1024;

/**
 * Connections kept open between collections: a collection makes a request
 * per running container (51 at 50 containers), each otherwise a connect and
 * accept on both sides (docs/BENCHMARKS.md, agent with containers).
 */
const keepAlive = new Agent({ keepAlive: true, maxSockets: 8, maxFreeSockets: 8 });

/** GETs `path` on the engine's socket and parses the JSON body. */
export function engineGet(socketPath: string, path: string, timeoutMs = 10_000): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const opts = { socketPath, path, method: "GET", headers: { host: "docker" }, agent: keepAlive };
    const req = request(opts, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (c: Buffer) => {
        size += c.length;
        if (size > MAX_BODY) req.destroy(new EngineError(`${path}: answer larger than ${MAX_BODY} bytes`));
        else chunks.push(c);
      });
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        const status = res.statusCode ?? 0;
        if (status < 200 || status > 299) {
          reject(new EngineError(`${path}: HTTP ${status} ${text.slice(0, 200).trim()}`));
          return;
        }
        try {
          resolve(JSON.parse(text));
        } catch {
          reject(new EngineError(`${path}: answer is not JSON`));
        }
      });
      res.on("error", reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new EngineError(`${path}: no answer in ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end();
  });
}

/** Runs `fn` over `items` with at most `limit` calls in flight; results in input order. */
export async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
