import { isIP } from "node:net";
import { checkServerIdentity, connect, type PeerCertificate } from "node:tls";
import { cleanName } from "./read";
import type { Collector } from "./types";

/** One `--tls-check name=host:port[,servername]`. */
export interface TlsTarget {
  name: string;
  host: string;
  port: number;
  /** SNI and the name the certificate must match; default the host (none for an IP). */
  servername?: string;
}

/** A target's certificate as the wire carries it (`TlsCert`). */
export interface TlsCertResult {
  name: string;
  target: string;
  notAfterS?: bigint;
  issuerCn?: string;
  subjectCn?: string;
  error: string;
  checkedMs: bigint;
}

/** Most targets one agent checks: each is a TLS handshake every period. */
export const MAX_TLS_TARGETS = 20;
/** How often every target is checked: certificates change on the scale of days. */
export const TLS_CHECK_PERIOD_MS = 5 * 60_000;
/** A handshake that takes longer fails the check. */
export const TLS_TIMEOUT_MS = 10_000;
/** Longest error text sent; the hub accepts no more. */
export const MAX_TLS_ERROR_LENGTH = 512;

const TARGET_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const HOSTNAME =
  /^[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?(\.[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?)*\.?$/;

/**
 * Parses `name=host:port[,servername]` (IPv6 hosts in brackets). Throws an
 * Error whose message names what is wrong.
 */
export function parseTlsTarget(raw: string): TlsTarget {
  const spec = raw.trim();
  const eq = spec.indexOf("=");
  const name = eq < 0 ? "" : spec.slice(0, eq);
  if (!TARGET_NAME.test(name)) {
    throw new Error(
      `bad TLS check "${raw}": start with a name of letters, digits, . _ - (at most 64), as in web=example.com:443`,
    );
  }
  const [address = "", servername, ...extra] = spec.slice(eq + 1).split(",");
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(address.trim());
  const host = m?.[1] ?? m?.[2] ?? "";
  const port = Number(m?.[3]);
  if (!m || !(isIP(host) || (host.length <= 253 && HOSTNAME.test(host)))) {
    throw new Error(
      `bad TLS check "${raw}": the target must be host:port, as in web=example.com:443 ([::1]:443 for IPv6)`,
    );
  }
  if (port < 1 || port > 65535) throw new Error(`bad TLS check "${raw}": the port must be 1..65535`);
  const target: TlsTarget = { name, host, port };
  const sni = servername?.trim();
  if (extra.length > 0 || sni === "" || (sni !== undefined && (isIP(sni) || !HOSTNAME.test(sni)))) {
    throw new Error(
      `bad TLS check "${raw}": after the comma give one server name, as in api=10.0.0.5:443,api.example.com`,
    );
  }
  if (sni !== undefined) target.servername = sni;
  return target;
}

/** `host:port` as the check shows it. */
export function targetText(t: TlsTarget): string {
  return `${isIP(t.host) === 6 ? `[${t.host}]` : t.host}:${t.port}`;
}

/**
 * OpenSSL's verification codes (as `TLSSocket.authorizationError` gives
 * them) in words; https://docs.openssl.org/master/man1/openssl-verification-options/
 */
const VERIFY_ERRORS: Record<string, string> = {
  CERT_HAS_EXPIRED: "certificate has expired",
  CERT_NOT_YET_VALID: "certificate is not yet valid",
  DEPTH_ZERO_SELF_SIGNED_CERT: "self-signed certificate",
  SELF_SIGNED_CERT_IN_CHAIN: "self-signed certificate in the chain",
  UNABLE_TO_GET_ISSUER_CERT: "issuer certificate not found",
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: "issuer not trusted (unable to get local issuer certificate)",
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "unable to verify the first certificate (incomplete chain?)",
  CERT_REVOKED: "certificate revoked",
  CERT_SIGNATURE_FAILURE: "certificate signature failure",
};

function verifyText(code: string): string {
  const words = VERIFY_ERRORS[code];
  return words ? `${words} (${code})` : code;
}

/** A certificate's common name; a name with several CNs gives the first. */
function commonName(n: PeerCertificate["subject"] | undefined): string {
  const cn = (n as Record<string, string | string[] | undefined> | undefined)?.CN;
  return cleanName((Array.isArray(cn) ? cn[0] : cn) ?? "");
}

function errorText(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (err.code === "ECONNREFUSED") return "connection refused (ECONNREFUSED)";
  if (err.code === "ENOTFOUND") return "host not found (ENOTFOUND)";
  return err.message ?? String(e);
}

/**
 * Connects to a target with TLS (SNI set), reads the leaf certificate's
 * notAfter and names, and verifies chain and hostname without rejecting:
 * an expired or untrusted certificate is still reported, with the reason.
 * Never throws; a check that cannot connect reports only its error.
 * `ca` replaces the system's trusted roots (tests use their own).
 */
export function checkCert(
  t: TlsTarget,
  opts: { timeoutMs?: number; ca?: string[] } = {},
): Promise<TlsCertResult> {
  const timeoutMs = opts.timeoutMs ?? TLS_TIMEOUT_MS;
  const base = { name: t.name, target: targetText(t), checkedMs: BigInt(Date.now()) };
  return new Promise((resolve) => {
    let done = false;
    const finish = (r: Omit<TlsCertResult, "name" | "target" | "checkedMs">) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ ...base, ...r, error: cleanName(r.error ?? "", MAX_TLS_ERROR_LENGTH) });
    };
    // node:tls calls this only after the chain verified; its error says which names the certificate has.
    let identityError: Error | undefined;
    // SNI must be a host name (RFC 6066 §3): none for an IP target.
    const servername = t.servername ?? (isIP(t.host) ? undefined : t.host);
    const socket = connect({
      host: t.host,
      port: t.port,
      ...(servername ? { servername } : {}),
      ...(opts.ca ? { ca: opts.ca } : {}),
      rejectUnauthorized: false,
      checkServerIdentity: (host, cert) => {
        identityError = checkServerIdentity(host, cert);
        return identityError;
      },
    });
    const timer = setTimeout(
      () => finish({ error: `no TLS handshake within ${timeoutMs / 1000} s` }),
      timeoutMs,
    );
    socket.on("error", (e) => finish({ error: errorText(e) }));
    socket.on("secureConnect", () => {
      const cert = socket.getPeerCertificate();
      const notAfterMs = Date.parse(cert.valid_to ?? "");
      if (!cert.valid_to || !Number.isFinite(notAfterMs)) {
        finish({ error: "the server sent no certificate" });
        return;
      }
      const code = socket.authorizationError as unknown as string | Error | null;
      const error = socket.authorized
        ? ""
        : identityError
          ? identityError.message
          : code instanceof Error
            ? code.message
            : verifyText(String(code ?? "not verified"));
      finish({
        notAfterS: BigInt(Math.floor(notAfterMs / 1000)),
        issuerCn: commonName(cert.issuer),
        subjectCn: commonName(cert.subject),
        error,
      });
    });
  });
}

/**
 * The TLS certificates group: checks every target each `periodMs` in the
 * background (a slow handshake never delays a sample) and gives the latest
 * results to every call, so each slow-cadence sample carries them; nothing
 * until the first round finished. `wait`: await a running round instead
 * (one-shot samples).
 */
export function tlsCertsCollector(
  targets: readonly TlsTarget[],
  opts: { periodMs?: number; timeoutMs?: number; ca?: string[]; wait?: boolean } = {},
): Collector {
  const periodMs = opts.periodMs ?? TLS_CHECK_PERIOD_MS;
  let last: TlsCertResult[] | undefined;
  let running: Promise<void> | undefined;
  let startedAt = Number.NEGATIVE_INFINITY;
  return async (atMs) => {
    if (!running && atMs - startedAt >= periodMs) {
      startedAt = atMs;
      running = Promise.all(targets.map((t) => checkCert(t, opts))).then((r) => {
        last = r;
        running = undefined;
      });
    }
    if (opts.wait && running) await running;
    return last ? { tlsCerts: last } : {};
  };
}
