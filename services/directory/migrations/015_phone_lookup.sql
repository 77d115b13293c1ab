-- Imports match a card without UID or address by its numbers across the directory
-- (import-by-phone): without an index that read every number for each chunk of cards.
CREATE INDEX contact_phones_e164 ON directory.contact_phones (e164);
