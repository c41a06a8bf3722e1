import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, requireHub } from "../../agent/src/config";
import { tempDir } from "./helpers/agent-process";

const load = (argv: string[], env: Record<string, string> = {}) => loadConfig(argv, env);

describe("loadConfig", () => {
  it("uses defaults: 5 s interval, HTTP/1.1 for http://, 100 MB spool", () => {
    const { command, config } = load(["--hub", "http://127.0.0.1:8787/", "--token", "t"]);
    expect(command).toEqual({ kind: "run" });
    expect(config).toMatchObject({
      hub: "http://127.0.0.1:8787",
      intervalS: 5,
      http2: false,
      spoolMaxMb: 100,
    });
  });

  it("leaves idle virtual interfaces out unless --all-interfaces, the environment or the file ask", () => {
    expect(load(["--hub", "http://x"]).config.allInterfaces).toBe(false);
    expect(load(["--hub", "http://x", "--all-interfaces"]).config.allInterfaces).toBe(true);
    expect(load(["--hub", "http://x"], { FLEETWATCH_ALL_INTERFACES: "1" }).config.allInterfaces).toBe(true);
    const file = join(tempDir(), "agent.json");
    writeFileSync(file, JSON.stringify({ allInterfaces: true }));
    expect(load(["--config", file]).config.allInterfaces).toBe(true);
    expect(() => load(["--hub", "http://x"], { FLEETWATCH_ALL_INTERFACES: "maybe" })).toThrow(
      /FLEETWATCH_ALL_INTERFACES=maybe is not a yes\/no value/,
    );
  });

  it("picks HTTP/2 for https:// unless --http1", () => {
    expect(load(["--hub", "https://hub.example.com"]).config.http2).toBe(true);
    expect(load(["--hub", "https://hub.example.com", "--http1"]).config.http2).toBe(false);
    expect(load(["--hub", "http://x", "--http2"]).config.http2).toBe(true);
  });

  it("lets flags beat the environment and the environment beat the config file", () => {
    const file = join(tempDir(), "agent.json");
    writeFileSync(
      file,
      JSON.stringify({ hub: "http://file", token: "file-token", interval: 30, labels: { a: "file" } }),
    );
    const { config } = load(["--config", file, "--interval", "10", "--label", "b=flag"], {
      FLEETWATCH_TOKEN: "env-token",
      FLEETWATCH_LABELS: "a=env,c=env",
    });
    expect(config).toMatchObject({ hub: "http://file", token: "env-token", intervalS: 10 });
    expect(config.labels).toEqual({ a: "env", b: "flag", c: "env" });
  });

  it("rejects an interval outside 1..300 with the fix", () => {
    expect(() => load(["--interval", "0"])).toThrow(
      /whole seconds from 1 to 300 \(--interval or FLEETWATCH_INTERVAL\)/,
    );
    expect(() => load([], { FLEETWATCH_INTERVAL: "301" })).toThrow(ConfigError);
    expect(() => load(["--interval", "2.5"])).toThrow(ConfigError);
  });

  it("rejects a hub URL that is not http(s)", () => {
    expect(() => load(["--hub", "hub.example.com"])).toThrow(/bad hub URL/);
    expect(() => load(["--hub", "ftp://x"])).toThrow(/http:\/\/ or https:\/\//);
  });

  it("rejects malformed labels and unknown flags", () => {
    expect(() => load(["--label", "novalue"])).toThrow(/use key=value/);
    expect(() => load(["--label", "1bad=x"])).toThrow(/bad label key/);
    expect(() => load(["--frobnicate"])).toThrow(/--help/);
  });

  it("rejects a config file with unknown keys or wrong types", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "a.json"), JSON.stringify({ hubb: "x" }));
    writeFileSync(join(dir, "b.json"), JSON.stringify({ interval: "5" }));
    expect(() => load(["--config", join(dir, "a.json")])).toThrow(/unknown key "hubb"/);
    expect(() => load(["--config", join(dir, "b.json")])).toThrow(/"interval" .* must be a number/);
    expect(() => load(["--config", join(dir, "missing.json")])).toThrow(/no such file/);
  });

  it("serves Prometheus only when a port is given, on 127.0.0.1 unless told otherwise", () => {
    expect(load([]).config.prometheus).toBeUndefined();
    expect(load(["--prometheus-port", "9101"]).config.prometheus).toEqual({ host: "127.0.0.1", port: 9101 });
    expect(
      load([], { FLEETWATCH_PROMETHEUS_PORT: "9102", FLEETWATCH_PROMETHEUS_HOST: "::1" }).config.prometheus,
    ).toEqual({ host: "::1", port: 9102 });
  });

  it("takes the Prometheus settings from the flag, then the environment, then the config file", () => {
    const file = join(tempDir(), "agent.json");
    writeFileSync(file, JSON.stringify({ prometheusPort: 9103, prometheusHost: "0.0.0.0" }));
    expect(load(["--config", file]).config.prometheus).toEqual({ host: "0.0.0.0", port: 9103 });
    expect(load(["--config", file], { FLEETWATCH_PROMETHEUS_PORT: "9104" }).config.prometheus?.port).toBe(
      9104,
    );
    expect(
      load(["--config", file, "--prometheus-port", "9105"], { FLEETWATCH_PROMETHEUS_PORT: "9104" }).config
        .prometheus?.port,
    ).toBe(9105);
  });

  it("rejects a Prometheus port outside 1..65535 or not a whole number, naming the flag", () => {
    for (const bad of ["0", "65536", "91o0", "-1", "9100.5"]) {
      expect(() => load([`--prometheus-port=${bad}`])).toThrow(
        /bad Prometheus port .*1 to 65535 \(--prometheus-port or FLEETWATCH_PROMETHEUS_PORT\)/,
      );
    }
    const file = join(tempDir(), "agent.json");
    writeFileSync(file, JSON.stringify({ prometheusPort: 1.5 }));
    expect(() => load(["--config", file])).toThrow(ConfigError);
    expect(() => load(["--prometheus-port", "9100", "--prometheus-host", " "])).toThrow(
      /bad Prometheus host/,
    );
  });

  it("requires hub and token to run, naming the variable to set", () => {
    expect(() => requireHub(load([]).config)).toThrow(/FLEETWATCH_HUB/);
    expect(() => requireHub(load(["--hub", "http://x"]).config)).toThrow(/FLEETWATCH_TOKEN/);
  });

  it("parses the subcommands", () => {
    expect(load(["--once", "--json"]).command).toEqual({ kind: "once", json: true });
    expect(load(["doctor"]).command).toEqual({ kind: "doctor" });
    expect(load(["install-service", "--dry-run"]).command).toEqual({ kind: "install-service", dryRun: true });
    expect(() => load(["frob"])).toThrow(/unknown command "frob"/);
  });
});
