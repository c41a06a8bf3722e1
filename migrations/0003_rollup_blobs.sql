ALTER TABLE `rollups_1h` ADD `data` blob;--> statement-breakpoint
ALTER TABLE `rollups_1m` ADD `data` blob;