import { readFileSync } from "node:fs";
import { create, type DescFile, type DescMessage, fromBinary, toBinary, toJson } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { file_fleetwatch_v1_host } from "@fleetwatch/proto/host_pb";
import { file_fleetwatch_v1_ingest, PushRequestSchema } from "@fleetwatch/proto/ingest_pb";
import { file_fleetwatch_v1_sample } from "@fleetwatch/proto/sample_pb";
import { describe, expect, it } from "vitest";
import {
  decodeEmbeddedDescriptor,
  embedDescriptors,
  embeddedFileSource,
} from "../../agent/src/transport/descriptor-source";
import { type EmbeddedFile, hydrateFile } from "../../agent/src/transport/descriptors";
import { fullSample } from "../../bench/lib/sample";

const GEN = new URL("../../proto/gen/fleetwatch/v1/", import.meta.url);

/** What the agent's build does to one generated file, run here: decode, embed as source, evaluate, hydrate. */
function rebuilt(name: string, deps: DescFile[]): DescFile {
  const generated = readFileSync(new URL(`${name}_pb.ts`, GEN), "utf8");
  const b64 = /fileDesc\("([^"]+)"/.exec(generated)?.[1];
  if (!b64) throw new Error(`no descriptor in ${name}_pb.ts`);
  const embedded = new Function(
    `return ${embeddedFileSource(decodeEmbeddedDescriptor(b64))}`,
  )() as EmbeddedFile;
  return hydrateFile(embedded, deps);
}

/** Every message of a file, nested ones included. */
function messages(file: DescFile): DescMessage[] {
  const out: DescMessage[] = [];
  const walk = (m: DescMessage) => {
    out.push(m);
    m.nestedMessages.forEach(walk);
  };
  file.messages.forEach(walk);
  return out;
}

/** The shape of a message as encoding and decoding see it. */
function shape(m: DescMessage) {
  return {
    typeName: m.typeName,
    oneofs: m.oneofs.map((o) => [o.name, o.fields.map((f) => f.number)]),
    fields: m.fields.map((f) => ({
      name: f.name,
      number: f.number,
      kind: f.fieldKind,
      scalar: "scalar" in f ? f.scalar : undefined,
      json: f.jsonName,
      local: f.localName,
      oneof: f.oneof?.name,
      presence: f.presence,
      packed: "packed" in f ? f.packed : undefined,
      longAsString: "longAsString" in f ? f.longAsString : undefined,
      type: f.message?.typeName ?? f.enum?.typeName,
    })),
  };
}

describe("descriptors embedded at build time", () => {
  const host = rebuilt("host", []);
  const sample = rebuilt("sample", []);
  const ingest = rebuilt("ingest", [host, sample]);
  const pairs: [DescFile, DescFile][] = [
    [file_fleetwatch_v1_host, host],
    [file_fleetwatch_v1_sample, sample],
    [file_fleetwatch_v1_ingest, ingest],
  ];

  it("rebuild the very descriptors the generated code decodes", () => {
    for (const [original, copy] of pairs) {
      expect(toBinary(FileDescriptorProtoSchema, copy.proto)).toEqual(
        toBinary(FileDescriptorProtoSchema, original.proto),
      );
      expect(messages(copy).map(shape)).toEqual(messages(original).map(shape));
      expect(copy.enums.map((e) => [e.typeName, e.values.map((v) => [v.name, v.number])])).toEqual(
        original.enums.map((e) => [e.typeName, e.values.map((v) => [v.name, v.number])]),
      );
    }
    const methods = (f: DescFile) =>
      f.services.flatMap((s) =>
        s.methods.map((m) => [s.typeName, m.name, m.methodKind, m.input.typeName, m.output.typeName]),
      );
    expect(methods(ingest)).toEqual(methods(file_fleetwatch_v1_ingest));
    expect(methods(ingest).length).toBeGreaterThan(0);
  });

  it("encode and decode a full sample byte for byte as the generated schemas do", () => {
    const request = create(PushRequestSchema, { samples: [fullSample(1), fullSample(2)] });
    const bytes = toBinary(PushRequestSchema, request);
    const copySchema = ingest.messages.find((m) => m.typeName === PushRequestSchema.typeName) as DescMessage;
    const decoded = fromBinary(copySchema, bytes);
    expect(toBinary(copySchema, decoded)).toEqual(bytes);
    expect(toJson(copySchema, decoded)).toEqual(toJson(PushRequestSchema, request));
  });

  it("rewrites a generated file's fileDesc call, and refuses a file without one", () => {
    const generated = readFileSync(new URL("ingest_pb.ts", GEN), "utf8");
    const out = embedDescriptors(generated, "/x/descriptors.ts");
    expect(out).toContain('import { hydrateFile } from "/x/descriptors.ts";');
    expect(out).toContain("hydrateFile({protos:");
    expect(out).toContain(", [file_fleetwatch_v1_host, file_fleetwatch_v1_sample])");
    expect(out).not.toMatch(/fileDesc\("/);
    expect(() => embedDescriptors("export const x = 1;", "/x/descriptors.ts")).toThrow(/no fileDesc/);
  });
});
