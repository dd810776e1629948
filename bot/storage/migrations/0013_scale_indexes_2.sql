-- More indexes for queries that grow with a server's history (bench/scale.py, tests/storage/test_query_plans.py).
-- A reversal (`/case reverse`, an upheld appeal) deactivates the case's strikes: without this index, every
-- strike ever given is read to find the one or two of that case.
CREATE INDEX strikes_by_case ON strikes (case_id);
-- A user's active strikes (escalation on every case, /history, a pardon) answered from the index alone: with
-- `active` and the time in it, neither the strike lookup nor the count reads a strike row, which a long history
-- scatters one per page (bench/scale.py: the heavy user's count went from 0.5 ms at 10k cases to 1.2 ms at 1M).
-- It serves every query the old (guild_id, user_id, created_at) index served.
CREATE INDEX strikes_by_user_active ON strikes (guild_id, user_id, active, created_at);
DROP INDEX strikes_by_user;
