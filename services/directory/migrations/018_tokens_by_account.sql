-- An account's tokens are listed a page at a time by id (keyset paging): with the account
-- and the id in one index a page reads its own rows, not every token the account ever had.
-- The tokens table is small (pruned of ended sessions), so a plain CREATE INDEX is short.
CREATE INDEX tokens_account_id ON directory.tokens (account_id, id);
