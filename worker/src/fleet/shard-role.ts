import { Code, ConnectError } from "@connectrpc/connect";
import type { HostInfoView, HostView } from "../metrics/types";
import type { HostTable } from "./host-table";
import type { FleetMeta } from "./meta";
import type { ShardUpdate } from "./protocol";
import { ShardLink } from "./shard-link";
import { ShardViews } from "./shard-views";
import { shardName, shardOf } from "./shards";
import type { Usage } from "./usage";
import type { Viewers } from "./viewers";

/**
 * Shard coordination of a fleet object. The fleet's own object keeps the
 * views its ingest shards forward (`ShardViews`) and registers hosts in
 * their shard on Hello; an object that is a shard sends its changed views
 * to the fleet's object over a `ShardLink` instead of broadcasting.
 */
export class ShardRole {
  readonly views: ShardViews;
  private readonly link: ShardLink;

  constructor(
    private readonly env: Env,
    private readonly meta: FleetMeta,
    private readonly hosts: HostTable,
    private readonly viewers: Viewers,
    sql: ConstructorParameters<typeof ShardViews>[0],
    private readonly usage: Usage,
    private readonly log: (where: string, e: unknown) => void,
  ) {
    this.views = new ShardViews(sql);
    this.link = new ShardLink(
      (id) => hosts.view(id),
      (update) => this.objectNamed(meta.fleetId).shardUpdate(update),
      (e) => log("shardUpdate", e),
    );
  }

  /** A host's view: its own state here, else the view its shard forwarded. */
  viewOf(id: string): HostView | undefined {
    return this.hosts.view(id) ?? this.views.get(id);
  }

  /** Own hosts, then the shards' (a host ingested here wins over a stale forwarded view). */
  allViews(): HostView[] {
    const own = this.hosts.views();
    if (this.views.size === 0) return own;
    return [...own, ...this.views.all().filter((v) => !this.hosts.get(v.id))];
  }

  /** Hosts every reader sees: own and forwarded. */
  get hostCount(): number {
    return this.hosts.size + this.views.size;
  }

  /** Hosts whose view changed: to the dashboards, or from a shard to the fleet's object. */
  changed(...ids: string[]): void {
    if (ids.length === 0) return;
    if (this.meta.shard) this.link.mark(...ids);
    else this.viewers.mark(...ids);
  }

  /**
   * Hello of a sharded fleet, at the fleet's object: registers the host in
   * its shard and keeps the view the shard returns.
   */
  async registerInShard(hostId: string, info: HostInfoView, shards: number): Promise<void> {
    const shard = this.objectNamed(shardName(this.meta.fleetId, shardOf(hostId, shards)));
    const view = await shard.registerHost(this.meta.fleetId, hostId, info).catch((e: unknown) => {
      this.log("registerHost", e);
      throw new ConnectError(
        "the host's ingest shard is unavailable; retry",
        Code.Unavailable,
        undefined,
        undefined,
        e,
      );
    });
    // A host ingested here before the fleet was sharded moves to its shard.
    this.hosts.delete(hostId);
    this.views.apply([view]);
    this.viewers.mark(hostId);
  }

  /** Changed and removed hosts from one of the fleet's shards: kept, and broadcast to dashboards. */
  apply(update: ShardUpdate): void {
    this.usage.shardViewsIn += update.views.length;
    this.views.apply(update.views);
    const gone = update.removed.filter((id) => this.views.delete(id));
    if (update.views.length > 0) this.viewers.mark(...update.views.map((v) => v.id));
    if (gone.length > 0) this.viewers.removed(gone);
  }

  /** A host was forgotten here: a shard tells the fleet's object before it returns. */
  async removed(id: string, wasOwn: boolean): Promise<boolean> {
    const forwarded = this.views.delete(id);
    if (this.meta.shard && wasOwn) {
      this.link.remove(id);
      await this.link.flush();
    }
    if (wasOwn || forwarded) this.viewers.removed([id]);
    return wasOwn || forwarded;
  }

  private objectNamed(name: string) {
    return this.env.FLEET.get(this.env.FLEET.idFromName(name));
  }
}
