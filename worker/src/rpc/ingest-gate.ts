import {
  type ConnectError,
  createContextKey,
  createContextValues,
  type ServiceImpl,
} from "@connectrpc/connect";
import { IngestService } from "@fleetwatch/proto/ingest_pb";
import { createConnectFetchHandler } from "./connect-handler";

const rejection = createContextKey<ConnectError | undefined>(undefined);

function reject(values: { get: (k: typeof rejection) => ConnectError | undefined }): never {
  const err = values.get(rejection);
  if (err) throw err;
  throw new Error("ingest gate called without a rejection");
}

const rejectAll: ServiceImpl<typeof IngestService> = {
  hello: (_req, ctx) => reject(ctx.values),
  stream: (_reqs, ctx) => reject(ctx.values),
  push: (_req, ctx) => reject(ctx.values),
};

const handler = createConnectFetchHandler((router) => router.service(IngestService, rejectAll));

/**
 * Answers an ingest request the Worker refuses (bad token, wrong fleet) with
 * a proper Connect error for its protocol and streaming type, rendered by
 * connect-es itself rather than by hand.
 */
export async function rejectIngest(req: Request, err: ConnectError): Promise<Response | undefined> {
  return handler(req, createContextValues().set(rejection, err));
}
