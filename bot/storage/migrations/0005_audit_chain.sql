-- Tamper evidence and privacy. Each case stores the hash of the previous case (per database, in id order)
-- and its own hash over the decision it records. The person and the text enter that hash only through
-- `subject_digest` = sha256(salt || user id || text): `modbot forget` and `modbot purge` erase the text, the
-- user id and the salt, and the chain still verifies, while nobody can test guesses against the digest.
ALTER TABLE cases ADD COLUMN salt TEXT;
ALTER TABLE cases ADD COLUMN subject_digest TEXT;
ALTER TABLE cases ADD COLUMN prev_hash TEXT;
ALTER TABLE cases ADD COLUMN hash TEXT;
ALTER TABLE cases ADD COLUMN erased_at TEXT;
CREATE UNIQUE INDEX cases_hash ON cases (hash) WHERE hash IS NOT NULL;

-- Deletion attempts are refused at the database level: erasure is an update, not a delete.
CREATE TRIGGER cases_no_delete BEFORE DELETE ON cases
BEGIN
    SELECT RAISE(ABORT, 'cases are never deleted; use modbot forget or modbot purge to erase their text');
END;
