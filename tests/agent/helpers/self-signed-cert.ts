import { generateKeyPairSync, type KeyObject, randomBytes, sign } from "node:crypto";

/**
 * A throwaway self-signed TLS certificate for an IP address, made with
 * node:crypto alone: no `openssl` binary and no package. The same shape as
 * `openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1
 * -subj /CN=<ip> -addext subjectAltName=IP:<ip>`: X.509 v3 (RFC 5280 §4.1),
 * ECDSA P-256 with SHA-256, CN and subjectAltName set to the IP,
 * basicConstraints CA:TRUE so it can be its own trust anchor
 * (NODE_EXTRA_CA_CERTS).
 */
export function selfSignedCert(ip = "127.0.0.1", days = 1): { key: string; cert: string } {
  const now = Date.now();
  // An hour back, for clock skew between this process and the agent's.
  const { key, cert } = issueCert({
    cn: ip,
    ip,
    notBefore: new Date(now - 3_600_000),
    notAfter: new Date(now + days * 86_400_000),
    ca: true,
  });
  return { key, cert };
}

/** What {@link issueCert} puts in a certificate. */
export interface CertSpec {
  /** Subject common name. */
  cn: string;
  /** subjectAltName entries: an IPv4 address, a DNS name. */
  ip?: string;
  dns?: string;
  notBefore: Date;
  notAfter: Date;
  /** basicConstraints CA:TRUE: may sign others and be a trust anchor. */
  ca?: boolean;
  /** Signed by this issuer (its CN and key); self-signed without. */
  issuer?: { cn: string; key: KeyObject };
}

/**
 * An X.509 v3 certificate (ECDSA P-256, SHA-256) as {@link CertSpec} says,
 * in PEM, with its private key (PEM and as a KeyObject to sign others with).
 */
export function issueCert(spec: CertSpec): { key: string; cert: string; privateKey: KeyObject } {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  const ecdsaWithSha256 = seq(oid("1.2.840.10045.4.3.2"));
  const dn = (cn: string) => seq(set(seq(oid("2.5.4.3"), tlv(0x0c, Buffer.from(cn)))));
  const serial = randomBytes(16);
  // Positive and minimally encoded: the top bit clear, the first byte not zero.
  serial[0] = ((serial[0] ?? 0) & 0x7f) | 0x40;
  const altNames = [
    ...(spec.ip ? [tlv(0x87, ipBytes(spec.ip))] : []), // iPAddress
    ...(spec.dns ? [tlv(0x82, Buffer.from(spec.dns))] : []), // dNSName
  ];
  const extensions = [
    ...(spec.ca ? [extension("2.5.29.19", true, seq(tlv(0x01, Buffer.from([0xff]))))] : []), // basicConstraints CA:TRUE
    ...(altNames.length > 0 ? [extension("2.5.29.17", false, seq(...altNames))] : []), // subjectAltName
  ];
  const tbs = seq(
    tlv(0xa0, tlv(0x02, Buffer.from([2]))), // [0] version: v3
    tlv(0x02, serial),
    ecdsaWithSha256,
    dn(spec.issuer?.cn ?? spec.cn),
    seq(utcTime(spec.notBefore), utcTime(spec.notAfter)),
    dn(spec.cn),
    publicKey.export({ type: "spki", format: "der" }),
    ...(extensions.length > 0 ? [tlv(0xa3, seq(...extensions))] : []), // [3] extensions
  );
  // ECDSA signatures from node:crypto are DER (Ecdsa-Sig-Value) by default, as X.509 wants.
  const signature = sign("sha256", tbs, spec.issuer?.key ?? privateKey);
  const der = seq(tbs, ecdsaWithSha256, tlv(0x03, Buffer.concat([Buffer.from([0]), signature])));
  const body = der.toString("base64").replace(/.{64}/g, "$&\n");
  return {
    key: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    cert: `-----BEGIN CERTIFICATE-----\n${body.trimEnd()}\n-----END CERTIFICATE-----\n`,
    privateKey,
  };
}

/** One DER element: tag, definite length (short or long form), content. */
function tlv(tag: number, content: Buffer): Buffer {
  const n = content.length;
  const big: number[] = [];
  for (let v = n; v > 0; v >>>= 8) big.unshift(v & 0xff);
  const length = n < 0x80 ? [n] : [0x80 | big.length, ...big];
  return Buffer.concat([Buffer.from([tag, ...length]), content]);
}

const seq = (...items: Buffer[]) => tlv(0x30, Buffer.concat(items));
const set = (...items: Buffer[]) => tlv(0x31, Buffer.concat(items));

function oid(dotted: string): Buffer {
  const [a = 0, b = 0, ...rest] = dotted.split(".").map(Number);
  const bytes = [40 * a + b];
  for (const arc of rest) {
    // Base 128, most significant group first, the high bit set on all but the last.
    const groups = [arc & 0x7f];
    for (let v = arc >>> 7; v > 0; v >>>= 7) groups.unshift((v & 0x7f) | 0x80);
    bytes.push(...groups);
  }
  return tlv(0x06, Buffer.from(bytes));
}

function utcTime(d: Date): Buffer {
  // YYMMDDHHMMSSZ: RFC 5280 wants UTCTime for years up to 2049.
  const iso = d.toISOString(); // 2026-12-05T21:53:07.123Z
  const text = `${iso.slice(2, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
  return tlv(0x17, Buffer.from(text));
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return seq(oid(id), ...(critical ? [tlv(0x01, Buffer.from([0xff]))] : []), tlv(0x04, value));
}

function ipBytes(ip: string): Buffer {
  const parts = ip.split(".").map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) {
    throw new Error(`not an IPv4 address: ${ip}`);
  }
  return Buffer.from(parts);
}
