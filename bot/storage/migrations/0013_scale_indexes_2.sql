-- More indexes for queries that grow with a server's history (bench/scale.py, tests/storage/test_query_plans.py).
-- A reversal (`/case reverse`, an upheld appeal) deactivates the case's strikes: without this index, every
-- strike ever given is read to find the one or two of that case.
CREATE INDEX strikes_by_case ON strikes (case_id);
