// The bench's hub: a real Connect server recording what the agent sends,
// run in its own process so its CPU never counts as the agent's.
import { FakeHub } from "../../tests/agent/helpers/fake-hub.ts";

const hub = await new FakeHub({ token: process.env.SINK_TOKEN ?? "bench-token" }).start();
process.stdout.write(`${JSON.stringify({ port: hub.port })}\n`);
process.on("SIGTERM", async () => {
  process.stdout.write(
    `${JSON.stringify({ samples: hub.samples.size, received: hub.received, streams: hub.streams })}\n`,
  );
  await hub.stop();
  process.exit(0);
});
