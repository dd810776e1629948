-- The live bot: find a case's review item (approve/remove look it up) and a user's review history.
CREATE INDEX review_items_by_case ON review_items (case_id);
CREATE INDEX review_items_by_user ON review_items (guild_id, user_id, created_at);
