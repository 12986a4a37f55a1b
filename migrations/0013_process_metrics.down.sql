DROP TABLE process_metrics;
