// The bench's hub: a real Connect server recording what the agent sends,
// run in its own process so its CPU never counts as the agent's.
import { readFileSync } from "node:fs";
import { FakeHub } from "../../tests/agent/helpers/fake-hub.ts";

// SINK_TLS_KEY/SINK_TLS_CERT: serve HTTP/2 over TLS, as a production hub does.
const { SINK_TLS_KEY: key, SINK_TLS_CERT: cert } = process.env;
const hub = await new FakeHub({
  token: process.env.SINK_TOKEN ?? "bench-token",
  ...(key && cert ? { http2: { key: readFileSync(key, "utf8"), cert: readFileSync(cert, "utf8") } } : {}),
}).start();
process.stdout.write(`${JSON.stringify({ port: hub.port })}\n`);
process.on("SIGTERM", async () => {
  process.stdout.write(
    `${JSON.stringify({ samples: hub.samples.size, received: hub.received, streams: hub.streams })}\n`,
  );
  await hub.stop();
  process.exit(0);
});
