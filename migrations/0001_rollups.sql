-- WITHOUT ROWID (added by hand): the primary key is the table, so a packed row
-- costs one row written instead of two (table + key index).
CREATE TABLE `rollups_1h` (
	`fleet_id` text NOT NULL,
	`host_id` text NOT NULL,
	`start` integer NOT NULL,
	`points` text NOT NULL,
	PRIMARY KEY(`fleet_id`, `host_id`, `start`)
) WITHOUT ROWID;
--> statement-breakpoint
CREATE TABLE `rollups_1m` (
	`fleet_id` text NOT NULL,
	`host_id` text NOT NULL,
	`start` integer NOT NULL,
	`points` text NOT NULL,
	PRIMARY KEY(`fleet_id`, `host_id`, `start`)
) WITHOUT ROWID;
