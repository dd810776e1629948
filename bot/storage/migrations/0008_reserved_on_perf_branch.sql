-- Placeholder on branch perf only: 0008 is taken by another engineer's migration. The runner needs numbers
-- 1..n without gaps, so this empty step lets 0009 run here. DELETE THIS FILE AT MERGE.
SELECT 1;
