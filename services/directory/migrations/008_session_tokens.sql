-- Where a token came from: `session` marks one made for a single console sign-in (it ends with
-- it, and the expiry warnings leave it out); `parent_id` is the token that made it, so revoking
-- a token also revokes the sessions it started and whatever a session made. Expand-only.
ALTER TABLE directory.tokens ADD COLUMN session boolean NOT NULL DEFAULT false;
ALTER TABLE directory.tokens
    ADD COLUMN parent_id bigint REFERENCES directory.tokens (id) ON DELETE SET NULL;
CREATE INDEX tokens_parent ON directory.tokens (parent_id) WHERE parent_id IS NOT NULL;
