-- Names stored before the one name rule (shared.validate.person_name), cleaned as that rule
-- shows them again: a contact's names kept U+202E and the other bidi controls, marks and
-- zero-width spaces (a pasted address book's), shown reordered in widgets, cards and phones.
-- Each way in checks the rule now; what was stored already is taken out here, once, as the
-- mailing service's migration 022 does (the same character classes: a test holds them equal).
CREATE OR REPLACE FUNCTION pg_temp.kept_name(value text) RETURNS text
LANGUAGE sql IMMUTABLE RETURNS NULL ON NULL INPUT AS $$
  SELECT btrim(regexp_replace(regexp_replace(regexp_replace(value,
    E'[\u0009-\u000d\u001c-\u001f\u0085\u2028-\u2029]', ' ', 'g'),
    E'[\u0001-\u0008\u000e-\u001b\u007f-\u0084\u0086-\u009f\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890-\u0891\u08e2\u180e\u200b\u200e-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U00013438\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f]', '', 'g'),
    ' {2,}', ' ', 'g'), ' ')
$$;

-- A contact whose names change gets a new revision (an edit begun before is not taken as
-- current, and phones fetch the card again); a display name of nothing but such characters
-- becomes the given and family names, as a contact without one is shown.
UPDATE directory.contacts
   SET given_name = pg_temp.kept_name(given_name),
       family_name = pg_temp.kept_name(family_name),
       display_name = coalesce(
           nullif(pg_temp.kept_name(display_name), ''),
           nullif(btrim(pg_temp.kept_name(given_name) || ' ' || pg_temp.kept_name(family_name)), ''),
           display_name),
       revision = revision + 1,
       updated_at = now()
 WHERE given_name IS DISTINCT FROM pg_temp.kept_name(given_name)
    OR family_name IS DISTINCT FROM pg_temp.kept_name(family_name)
    OR display_name IS DISTINCT FROM pg_temp.kept_name(display_name);
UPDATE directory.accounts SET name = pg_temp.kept_name(name), updated_at = now()
 WHERE name IS DISTINCT FROM pg_temp.kept_name(name);

DROP FUNCTION pg_temp.kept_name(text);
