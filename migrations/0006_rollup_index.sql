ALTER TABLE `rollups_1h` ADD `idx` text;--> statement-breakpoint
ALTER TABLE `rollups_1m` ADD `idx` text;