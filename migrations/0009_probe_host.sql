ALTER TABLE `probes` ADD `host_id` text;--> statement-breakpoint
CREATE INDEX `probes_host_idx` ON `probes` (`fleet_id`,`host_id`);