import { writeFileSync } from "node:fs";
import { createServer as createTcpServer, type Server } from "node:net";
import { join } from "node:path";
import { createServer, type Server as TlsServer } from "node:tls";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  checkCert,
  parseTlsTarget,
  type TlsTarget,
  tlsCertsCollector,
} from "../../agent/src/collect/tls-certs";
import { loadConfig } from "../../agent/src/config";
import { ensureBuilt, startAgent, tempDir, until } from "./helpers/agent-process";
import { FakeHub } from "./helpers/fake-hub";
import { issueCert } from "./helpers/self-signed-cert";

const DAY = 86_400_000;
// Whole seconds: an X.509 time has no fraction.
const at = (ms: number) => new Date(Math.floor(ms / 1000) * 1000);
const now = Date.now();

const ca = issueCert({
  cn: "Fleetwatch Test CA",
  notBefore: at(now - 10 * DAY),
  notAfter: at(now + 365 * DAY),
  ca: true,
});
const goodNotAfter = at(now + 30 * DAY);
const good = issueCert({
  cn: "localhost",
  dns: "localhost",
  ip: "127.0.0.1",
  notBefore: at(now - DAY),
  notAfter: goodNotAfter,
  issuer: { cn: "Fleetwatch Test CA", key: ca.privateKey },
});
const expiredNotAfter = at(now - 2 * DAY);
const expired = issueCert({
  cn: "old.example",
  dns: "old.example",
  notBefore: at(now - 30 * DAY),
  notAfter: expiredNotAfter,
  ca: true,
});

/** Listeners on random loopback ports; the SNI names the TLS servers were asked for. */
const servers: Server[] = [];
const sniSeen: string[] = [];
let connections = 0;

async function listen<T extends Server>(server: T): Promise<number> {
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return (server.address() as { port: number }).port;
}

function tlsServer(c: { key: string; cert: string }): TlsServer {
  const s = createServer(
    {
      key: c.key,
      cert: c.cert,
      // Called with the ClientHello's server name: the default context answers.
      SNICallback: (servername, cb) => {
        sniSeen.push(servername);
        cb(null);
      },
    },
    (sock) => sock.end(),
  );
  s.on("connection", () => {
    connections++;
  });
  s.on("tlsClientError", () => {});
  return s;
}

let goodPort = 0;
let expiredPort = 0;
let silentPort = 0;
let closedPort = 0;

beforeAll(async () => {
  goodPort = await listen(tlsServer(good));
  expiredPort = await listen(tlsServer(expired));
  // Accepts TCP and never answers the ClientHello.
  silentPort = await listen(createTcpServer(() => {}));
  const gone = createTcpServer();
  closedPort = await listen(gone);
  await new Promise((r) => gone.close(r));
});

afterAll(async () => {
  for (const s of servers) {
    (s as Server & { closeAllConnections?: () => void }).closeAllConnections?.();
    s.close();
  }
});

const target = (port: number, extra: Partial<TlsTarget> = {}): TlsTarget => ({
  name: "web",
  host: "127.0.0.1",
  port,
  ...extra,
});

describe("TLS certificate check", () => {
  it("reads notAfter, issuer and subject of a verified certificate and sends the SNI", async () => {
    const r = await checkCert(target(goodPort, { servername: "localhost" }), { ca: [ca.cert] });
    expect(r).toMatchObject({
      name: "web",
      target: `127.0.0.1:${goodPort}`,
      notAfterS: BigInt(goodNotAfter.getTime() / 1000),
      issuerCn: "Fleetwatch Test CA",
      subjectCn: "localhost",
      error: "",
    });
    expect(sniSeen).toContain("localhost");
  });

  it("reports the expiry of an expired self-signed certificate, with the verification error", async () => {
    const r = await checkCert(target(expiredPort, { servername: "old.example" }));
    expect(r.notAfterS).toBe(BigInt(expiredNotAfter.getTime() / 1000));
    expect(r.subjectCn).toBe("old.example");
    expect(r.error).toMatch(/expired|self-signed/);
  });

  it("reports a certificate that does not name the server", async () => {
    const r = await checkCert(target(goodPort, { servername: "other.example" }), { ca: [ca.cert] });
    expect(r.notAfterS).toBe(BigInt(goodNotAfter.getTime() / 1000));
    expect(r.error).toMatch(/does not match/);
  });

  it("reports an untrusted issuer when the CA is not among the trusted roots", async () => {
    const r = await checkCert(target(goodPort, { servername: "localhost" }));
    expect(r.notAfterS).toBe(BigInt(goodNotAfter.getTime() / 1000));
    expect(r.error).toMatch(/UNABLE_TO_(GET_ISSUER_CERT_LOCALLY|VERIFY_LEAF_SIGNATURE)/);
  });

  it("reports a refused port with no expiry", async () => {
    const r = await checkCert(target(closedPort));
    expect(r.notAfterS).toBeUndefined();
    expect(r.error).toBe("connection refused (ECONNREFUSED)");
  });

  it("gives up on a server that never completes the handshake", async () => {
    const r = await checkCert(target(silentPort), { timeoutMs: 500 });
    expect(r.notAfterS).toBeUndefined();
    expect(r.error).toBe("no TLS handshake within 0.5 s");
  });

  it("checks in the background once per period and gives every call the latest results", async () => {
    const collect = tlsCertsCollector([target(goodPort, { servername: "localhost" })], {
      periodMs: 60_000,
      ca: [ca.cert],
    });
    const before = connections;
    // The handshake has not finished when the first call returns: a sample never waits for it.
    expect(await collect(0)).toEqual({});
    await vi.waitFor(async () => expect((await collect(1_000)).tlsCerts).toHaveLength(1));
    expect((await collect(30_000)).tlsCerts?.[0]?.error).toBe("");
    expect(connections - before).toBe(1);
    await collect(60_000);
    await vi.waitFor(() => expect(connections - before).toBe(2));
  });
});

describe("--tls-check", () => {
  it("parses name=host:port with an optional server name, IPv6 in brackets", () => {
    expect(parseTlsTarget("web=example.com:443")).toEqual({ name: "web", host: "example.com", port: 443 });
    expect(parseTlsTarget("api=10.0.0.5:8443,api.example.com")).toEqual({
      name: "api",
      host: "10.0.0.5",
      port: 8443,
      servername: "api.example.com",
    });
    expect(parseTlsTarget("v6=[::1]:443")).toEqual({ name: "v6", host: "::1", port: 443 });
  });

  it("names what is wrong with a bad check", () => {
    expect(() => parseTlsTarget("example.com:443")).toThrow(/start with a name/);
    expect(() => parseTlsTarget("web=example.com")).toThrow(/must be host:port/);
    expect(() => parseTlsTarget("web=example.com:0")).toThrow(/port must be 1..65535/);
    expect(() => parseTlsTarget("web=exa mple.com:443")).toThrow(/must be host:port/);
    expect(() => parseTlsTarget("web=1.2.3.4:443,")).toThrow(/one server name/);
  });

  it("comes from flags, else the environment, else the config file; at most 20, names unique", () => {
    const flags = loadConfig(["--tls-check", "a=a.example:443", "--tls-check", "b=b.example:443"], {}).config;
    expect(flags.tlsChecks.map((t) => t.name)).toEqual(["a", "b"]);
    const env = loadConfig([], { FLEETWATCH_TLS_CHECKS: "c=c.example:443 d=d.example:8443" }).config;
    expect(env.tlsChecks.map((t) => t.port)).toEqual([443, 8443]);
    const file = join(tempDir(), "agent.json");
    writeFileSync(file, JSON.stringify({ tlsChecks: ["e=e.example:443,www.e.example"] }));
    expect(loadConfig(["--config", file], {}).config.tlsChecks).toEqual([
      { name: "e", host: "e.example", port: 443, servername: "www.e.example" },
    ]);
    writeFileSync(file, JSON.stringify({ tlsChecks: "e=e.example:443" }));
    expect(() => loadConfig(["--config", file], {})).toThrow(/must be an array of strings/);
    const many = Array.from({ length: 21 }, (_, i) => ["--tls-check", `t${i}=h.example:443`]).flat();
    expect(() => loadConfig(many, {})).toThrow(/too many TLS checks \(21\): at most 20/);
    expect(() =>
      loadConfig(["--tls-check", "a=a.example:443", "--tls-check", "a=b.example:443"], {}),
    ).toThrow(/"a" is used twice/);
  });
});

describe("agent process", () => {
  let hub: FakeHub;
  beforeAll(async () => {
    await ensureBuilt();
    hub = await new FakeHub().start();
  });
  afterAll(() => hub.stop());

  it("sends each target's certificate in a sample, trusting NODE_EXTRA_CA_CERTS", async () => {
    const caFile = join(tempDir(), "ca.pem");
    writeFileSync(caFile, ca.cert);
    const agent = startAgent(
      [
        "--hub",
        hub.url,
        "--token",
        hub.token,
        "--interval",
        "1",
        "--spool-dir",
        tempDir(),
        "--container-socket",
        "none",
        "--tls-check",
        `site=127.0.0.1:${goodPort},localhost`,
        "--tls-check",
        `gone=127.0.0.1:${closedPort}`,
      ],
      { NODE_EXTRA_CA_CERTS: caFile },
    );
    try {
      const withCerts = () => [...hub.samples.values()].find((s) => s.tlsCerts.length > 0);
      await until(() => withCerts() !== undefined, "a sample with TLS certificates", 60_000);
      const certs = withCerts()?.tlsCerts ?? [];
      expect(certs.map((c) => [c.name, c.error])).toEqual([
        ["site", ""],
        ["gone", "connection refused (ECONNREFUSED)"],
      ]);
      expect(certs[0]?.notAfterS).toBe(BigInt(goodNotAfter.getTime() / 1000));
    } finally {
      agent.child.kill("SIGTERM");
      await agent.exited;
    }
  });
});
