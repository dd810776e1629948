-- Why each case's rule fired (bot/moderation/explain.py): one JSON object per case (bot/records.py:Explanation).
-- Kept beside the case, outside the hash chain: bot/storage/audit.py seals the decided columns of `cases` and
-- its events, and an explanation is a reading of that decision (which words raised the score), not part of
-- it; it is written after the case is carried out. `modbot purge` and `modbot forget` delete it with the
-- case's text, since it quotes the message.
CREATE TABLE case_explanations (
    case_id      INTEGER PRIMARY KEY REFERENCES cases (id),
    explanation  TEXT NOT NULL
);
