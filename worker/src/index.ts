import { app } from "./app";
import { scheduled } from "./scheduled";

export { FleetDO } from "./fleet/fleet-do";

export default { fetch: app.fetch, scheduled } satisfies ExportedHandler<Env>;
