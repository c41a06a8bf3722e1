import { createFileRegistry, type DescFile } from "@bufbuild/protobuf";
import type { FileDescriptorProto } from "@bufbuild/protobuf/wkt";

/**
 * A file descriptor as the agent's build embeds it: the decoded
 * FileDescriptorProto as plain data. A message node names its prototype by
 * `$p`, the index of an object holding the defaults of its unset fields.
 */
export interface EmbeddedFile {
  protos: Record<string, unknown>[];
  root: unknown;
}

function revive(v: unknown, protos: Record<string, unknown>[]): unknown {
  if (Array.isArray(v)) return v.map((x) => revive(x, protos));
  if (v === null || typeof v !== "object" || ArrayBuffer.isView(v)) return v;
  const { $p, ...own } = v as { $p?: number } & Record<string, unknown>;
  const out: Record<string, unknown> = $p === undefined ? {} : Object.create(protos[$p] as object);
  for (const k in own) out[k] = revive(own[k], protos);
  return out;
}

/**
 * The descriptor of one generated file, rebuilt from build-time data. The
 * generated code decodes its descriptor from protobuf binary at start-up,
 * which needs the whole of google/protobuf/descriptor.proto booted first
 * (about 1 MB of heap kept for the life of the process); the agent's build
 * replaces that call with this one (see agent/build.ts).
 */
export function hydrateFile(embedded: EmbeddedFile, deps: DescFile[] = []): DescFile {
  const proto = revive(embedded.root, embedded.protos) as FileDescriptorProto;
  proto.dependency = deps.map((d) => d.proto.name);
  const file = createFileRegistry(proto, (name) => deps.find((d) => d.proto.name === name)).getFile(
    proto.name,
  );
  if (!file) throw new Error(`descriptor of ${proto.name} did not load`);
  return file;
}
