CREATE TABLE `alert_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`fleet_id` text NOT NULL,
	`alert_id` text NOT NULL,
	`event` text NOT NULL,
	`alert` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`fleet_id`) REFERENCES `fleets`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `alert_events_fleet_idx` ON `alert_events` (`fleet_id`,`id`);--> statement-breakpoint
CREATE TABLE `alert_groups` (
	`group_key` text PRIMARY KEY NOT NULL,
	`fleet_id` text NOT NULL,
	`policy_id` text NOT NULL,
	`group_labels` text NOT NULL,
	`alerts` text NOT NULL,
	`changed_at` integer,
	`flushed_at` integer,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`fleet_id`) REFERENCES `fleets`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `alert_groups_fleet_idx` ON `alert_groups` (`fleet_id`);--> statement-breakpoint
CREATE TABLE `alert_mute_intervals` (
	`id` text PRIMARY KEY NOT NULL,
	`fleet_id` text NOT NULL,
	`name` text NOT NULL,
	`time_zone` text NOT NULL,
	`times` text NOT NULL,
	`windows` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`fleet_id`) REFERENCES `fleets`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `alert_mute_intervals_fleet_name_idx` ON `alert_mute_intervals` (`fleet_id`,`name`);--> statement-breakpoint
CREATE TABLE `alert_policies` (
	`id` text PRIMARY KEY NOT NULL,
	`fleet_id` text NOT NULL,
	`name` text NOT NULL,
	`position` integer NOT NULL,
	`is_default` integer NOT NULL,
	`matchers` text NOT NULL,
	`channel_ids` text,
	`continue_matching` integer NOT NULL,
	`group_by` text NOT NULL,
	`group_wait_s` integer NOT NULL,
	`group_interval_s` integer NOT NULL,
	`mute_interval_ids` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`fleet_id`) REFERENCES `fleets`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `alert_policies_fleet_idx` ON `alert_policies` (`fleet_id`,`position`);--> statement-breakpoint
CREATE UNIQUE INDEX `alert_policies_default_idx` ON `alert_policies` (`fleet_id`) WHERE "alert_policies"."is_default" = 1;--> statement-breakpoint
ALTER TABLE `alert_fleets` ADD `dispatch_lease_until` integer;--> statement-breakpoint
ALTER TABLE `notifications` ADD `group_key` text;