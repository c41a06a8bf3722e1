// Build-time half of ./descriptors.ts: turns the descriptor a generated
// file embeds as protobuf binary into plain JavaScript data.
import { fromBinary } from "@bufbuild/protobuf";
import { protoCamelCase } from "@bufbuild/protobuf/reflect";
import { base64Decode } from "@bufbuild/protobuf/wire";
import {
  type DescriptorProto,
  type FileDescriptorProto,
  FileDescriptorProtoSchema,
} from "@bufbuild/protobuf/wkt";

/** Fills in the JSON names the embedded binary leaves out, as protobuf-es does when it loads one. */
function restoreJsonNames(message: DescriptorProto): void {
  for (const f of message.field) {
    if (!Object.hasOwn(f, "jsonName") || f.jsonName === undefined) f.jsonName = protoCamelCase(f.name);
  }
  message.nestedType.forEach(restoreJsonNames);
}

/** Decodes the base64 descriptor of a generated `fileDesc(...)` call. */
export function decodeEmbeddedDescriptor(b64: string): FileDescriptorProto {
  const proto = fromBinary(FileDescriptorProtoSchema, base64Decode(b64));
  proto.messageType.forEach(restoreJsonNames);
  return proto;
}

/**
 * JavaScript source of an {@link EmbeddedFile} for a decoded descriptor,
 * keeping exactly which fields are set (protobuf-es reads presence from own
 * properties, defaults from the prototype). Run at build time.
 */
export function embeddedFileSource(proto: FileDescriptorProto): string {
  const protos = new Map<object, number>();
  const protoSources: string[] = [];
  const source = (v: unknown): string => {
    if (v === undefined) return "undefined";
    if (typeof v === "bigint") return `${v}n`;
    if (typeof v === "number" && !Number.isFinite(v)) throw new Error(`cannot embed ${v}`);
    if (v === null || typeof v !== "object") return JSON.stringify(v);
    if (v instanceof Uint8Array) return `new Uint8Array([${v.join(",")}])`;
    if (Array.isArray(v)) return `[${v.map(source).join(",")}]`;
    const entries = Object.keys(v).map(
      (k) => `${JSON.stringify(k)}:${source((v as Record<string, unknown>)[k])}`,
    );
    const proto = Object.getPrototypeOf(v) as object;
    if (proto !== Object.prototype) {
      if (Object.getPrototypeOf(proto) !== Object.prototype) throw new Error("unexpected prototype chain");
      let i = protos.get(proto);
      if (i === undefined) {
        i = protoSources.length;
        protos.set(proto, i);
        const defaults: Record<string, unknown> = {};
        for (const k of Object.getOwnPropertyNames(proto))
          defaults[k] = (proto as Record<string, unknown>)[k];
        protoSources.push(source(defaults));
      }
      entries.unshift(`$p:${i}`);
    }
    return `{${entries.join(",")}}`;
  };
  const root = source(proto);
  return `{protos:[${protoSources.join(",")}],root:${root}}`;
}

/**
 * Rewrites a generated `*_pb.ts` so its `fileDesc("<base64>", deps)` call
 * becomes `hydrateFile(<data>, deps)`, imported from `hydratePath`.
 */
export function embedDescriptors(generated: string, hydratePath: string): string {
  let found = 0;
  const out = generated.replace(
    /\bfileDesc\("([A-Za-z0-9+/=]+)"(?:,\s*(\[[^\]]*\]))?\)/g,
    (_, b64: string, deps?: string) => {
      found++;
      return `hydrateFile(${embeddedFileSource(decodeEmbeddedDescriptor(b64))}, ${deps ?? "[]"})`;
    },
  );
  if (found === 0) throw new Error("no fileDesc(...) call found: did the code generator change?");
  return `import { hydrateFile } from ${JSON.stringify(hydratePath)};\n${out}`;
}
