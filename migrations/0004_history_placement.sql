CREATE TABLE `history_placement` (
	`fleet_id` text NOT NULL,
	`host_id` text NOT NULL,
	`database` text NOT NULL,
	`placed_at` integer NOT NULL,
	PRIMARY KEY(`fleet_id`, `host_id`)
);
