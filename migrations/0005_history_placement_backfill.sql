-- Until placement was recorded, every fleet's rollups were written to the
-- primary database (binding DB). Record that for every fleet and every host
-- with rollups, so binding a history database later never moves them: their
-- hosts keep reading and writing here. In a history database (they all get
-- every migration) both tables are empty and this inserts nothing.
INSERT OR IGNORE INTO `history_placement` (`fleet_id`, `host_id`, `database`, `placed_at`)
  SELECT `id`, '', 'DB', 0 FROM `fleets`;
--> statement-breakpoint
INSERT OR IGNORE INTO `history_placement` (`fleet_id`, `host_id`, `database`, `placed_at`)
  SELECT `fleet_id`, `host_id`, 'DB', 0 FROM `rollups_1h`
  UNION SELECT `fleet_id`, `host_id`, 'DB', 0 FROM `rollups_1m`;
