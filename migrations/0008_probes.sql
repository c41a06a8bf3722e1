CREATE TABLE `probe_days` (
	`probe_id` text NOT NULL,
	`fleet_id` text NOT NULL,
	`day` integer NOT NULL,
	`checks` integer NOT NULL,
	`up` integer NOT NULL,
	`latency_sum` integer NOT NULL,
	`latency_max` integer NOT NULL,
	`data` blob NOT NULL,
	PRIMARY KEY(`probe_id`, `day`),
	FOREIGN KEY (`probe_id`) REFERENCES `probes`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `probe_days_day_idx` ON `probe_days` (`day`);--> statement-breakpoint
CREATE TABLE `probes` (
	`id` text PRIMARY KEY NOT NULL,
	`fleet_id` text NOT NULL,
	`name` text NOT NULL,
	`kind` text NOT NULL,
	`target` text NOT NULL,
	`method` text NOT NULL,
	`expect_status_min` integer NOT NULL,
	`expect_status_max` integer NOT NULL,
	`keyword` text,
	`timeout_ms` integer NOT NULL,
	`follow_redirects` integer NOT NULL,
	`headers` text NOT NULL,
	`interval_s` integer NOT NULL,
	`enabled` integer NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`next_due_at` integer NOT NULL,
	`last_checked_at` integer,
	`last_up` integer,
	`last_latency_ms` integer,
	`last_status` integer,
	`last_error` text,
	`failures` integer NOT NULL,
	`changed_at` integer,
	FOREIGN KEY (`fleet_id`) REFERENCES `fleets`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `probes_fleet_name_idx` ON `probes` (`fleet_id`,`name`);--> statement-breakpoint
CREATE INDEX `probes_due_idx` ON `probes` (`next_due_at`);--> statement-breakpoint
CREATE TABLE `status_pages` (
	`fleet_id` text PRIMARY KEY NOT NULL,
	`slug` text NOT NULL,
	`title` text NOT NULL,
	`enabled` integer NOT NULL,
	`entries` text NOT NULL,
	`note` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`fleet_id`) REFERENCES `fleets`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `status_pages_slug_unique` ON `status_pages` (`slug`);