-- `modbot rules preview` replays stored messages through a new rules file: every judged message keeps its text
-- (allowed ones too) until `modbot purge` (retention) or `modbot forget` erases it.
ALTER TABLE scored_messages ADD COLUMN text TEXT;
-- (scored_messages_by_time, from 0009, serves the period queries)
