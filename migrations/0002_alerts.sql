-- WITHOUT ROWID (added by hand) on alert_fleets only: it is read and written by
-- its primary key alone (fleet_id), so the key is the table and an insert is one
-- row written instead of two (table + key index). The other alert tables have
-- secondary indexes and wider rows, so they keep their rowid.
CREATE TABLE `alert_channels` (
	`id` text PRIMARY KEY NOT NULL,
	`fleet_id` text NOT NULL,
	`name` text NOT NULL,
	`kind` text NOT NULL,
	`url` text NOT NULL,
	`secret` text,
	`enabled` integer NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`fleet_id`) REFERENCES `fleets`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `alert_channels_fleet_idx` ON `alert_channels` (`fleet_id`);--> statement-breakpoint
CREATE TABLE `alert_fleets` (
	`fleet_id` text PRIMARY KEY NOT NULL,
	`seeded_at` integer NOT NULL,
	`origin` text,
	`last_error` text,
	`last_error_at` integer,
	FOREIGN KEY (`fleet_id`) REFERENCES `fleets`(`id`) ON UPDATE no action ON DELETE cascade
) WITHOUT ROWID;
--> statement-breakpoint
CREATE TABLE `alert_rules` (
	`id` text PRIMARY KEY NOT NULL,
	`fleet_id` text NOT NULL,
	`name` text NOT NULL,
	`metric` text NOT NULL,
	`aggregation` text NOT NULL,
	`window_s` integer NOT NULL,
	`comparator` text NOT NULL,
	`threshold` real NOT NULL,
	`clear_threshold` real NOT NULL,
	`for_s` integer NOT NULL,
	`severity` text NOT NULL,
	`repeat_s` integer NOT NULL,
	`enabled` integer NOT NULL,
	`host_match` text NOT NULL,
	`label_match` text NOT NULL,
	`builtin` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`fleet_id`) REFERENCES `fleets`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `alert_rules_fleet_name_idx` ON `alert_rules` (`fleet_id`,`name`);--> statement-breakpoint
CREATE TABLE `alert_silences` (
	`id` text PRIMARY KEY NOT NULL,
	`fleet_id` text NOT NULL,
	`matchers` text NOT NULL,
	`comment` text NOT NULL,
	`created_by` text NOT NULL,
	`starts_at` integer NOT NULL,
	`ends_at` integer NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`fleet_id`) REFERENCES `fleets`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `alert_silences_fleet_idx` ON `alert_silences` (`fleet_id`,`ends_at`);--> statement-breakpoint
CREATE TABLE `alerts` (
	`id` text PRIMARY KEY NOT NULL,
	`fleet_id` text NOT NULL,
	`fingerprint` text NOT NULL,
	`rule_id` text NOT NULL,
	`rule_name` text NOT NULL,
	`severity` text NOT NULL,
	`host_id` text NOT NULL,
	`hostname` text NOT NULL,
	`series` text NOT NULL,
	`labels` text NOT NULL,
	`state` text NOT NULL,
	`value` real NOT NULL,
	`threshold` real NOT NULL,
	`pending_since` integer NOT NULL,
	`starts_at` integer,
	`ends_at` integer,
	`last_notified_at` integer,
	`version` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`fleet_id`) REFERENCES `fleets`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `alerts_open_fingerprint_idx` ON `alerts` (`fingerprint`) WHERE "alerts"."state" <> 'resolved';--> statement-breakpoint
CREATE INDEX `alerts_fleet_idx` ON `alerts` (`fleet_id`,`updated_at`);--> statement-breakpoint
CREATE TABLE `notifications` (
	`id` text PRIMARY KEY NOT NULL,
	`fleet_id` text NOT NULL,
	`channel_id` text NOT NULL,
	`alert_id` text,
	`event` text NOT NULL,
	`payload` text NOT NULL,
	`status` text NOT NULL,
	`attempts` integer NOT NULL,
	`next_attempt_at` integer NOT NULL,
	`last_attempt_at` integer,
	`last_status` integer,
	`last_error` text,
	`created_at` integer NOT NULL,
	`delivered_at` integer,
	FOREIGN KEY (`fleet_id`) REFERENCES `fleets`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`channel_id`) REFERENCES `alert_channels`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `notifications_due_idx` ON `notifications` (`next_attempt_at`) WHERE "notifications"."status" = 'pending';--> statement-breakpoint
CREATE INDEX `notifications_fleet_idx` ON `notifications` (`fleet_id`,`created_at`);