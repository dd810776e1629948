-- Indexes for the queries that grow with a server's history (bench/scale.py, tests/storage/test_query_plans.py).
-- /stats: the period's cases of one guild (without it the planner walks all of the guild's cases through
-- cases_by_user), and the period's judged messages, answered from the index alone (no table reads);
-- `purge --older-than` deletes old judged messages through the same index instead of scanning them all.
CREATE INDEX cases_by_guild_time ON cases (guild_id, created_at);
CREATE INDEX scored_messages_by_time ON scored_messages (scored_at, guild_id, channel_id, decision);
-- /stats' review verdicts in the period, and purge's old review items.
CREATE INDEX review_items_decided ON review_items (guild_id, decided_at) WHERE decided_at IS NOT NULL;
CREATE INDEX review_items_by_time ON review_items (created_at);
-- Cases recorded but not yet carried out (looked up at every start): a partial index holds only those few.
CREATE INDEX cases_unenforced ON cases (id) WHERE enforced = 0;
