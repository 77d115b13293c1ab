-- Names stored before the one name rule (shared.validate.person_name), cleaned as that rule
-- shows them again: the subscribe form kept control characters and bidi controls (U+202E shows
-- a name reordered in every greeting), the import only dropped some. Each way in checks the
-- rule now; what was stored already is taken out here, once. Line breaks and other control
-- spaces become a space, every other refused character (Cc, Cf but ZWNJ and ZWJ, Zl, Zp:
-- Unicode 14, Python 3.11's) goes, spaces are folded. Lone surrogates cannot be stored.
CREATE OR REPLACE FUNCTION pg_temp.kept_name(value text) RETURNS text
LANGUAGE sql IMMUTABLE RETURNS NULL ON NULL INPUT AS $$
  SELECT btrim(regexp_replace(regexp_replace(regexp_replace(value,
    E'[\u0009-\u000d\u001c-\u001f\u0085\u2028-\u2029]', ' ', 'g'),
    E'[\u0001-\u0008\u000e-\u001b\u007f-\u0084\u0086-\u009f\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890-\u0891\u08e2\u180e\u200b\u200e-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U00013438\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f]', '', 'g'),
    ' {2,}', ' ', 'g'), ' ')
$$;

UPDATE mailing.subscribers SET name = pg_temp.kept_name(name)
 WHERE name IS DISTINCT FROM pg_temp.kept_name(name);
UPDATE mailing.subscriptions SET name = pg_temp.kept_name(name)
 WHERE name IS DISTINCT FROM pg_temp.kept_name(name);
-- A pending confirmation's name applies on confirming.
UPDATE mailing.outbox SET name = pg_temp.kept_name(name)
 WHERE done_at IS NULL AND name IS DISTINCT FROM pg_temp.kept_name(name);
-- The From header's name: a new revision, so an edit begun before it is not taken as current.
UPDATE mailing.lists SET from_name = pg_temp.kept_name(from_name), revision = revision + 1
 WHERE from_name IS DISTINCT FROM pg_temp.kept_name(from_name);

DROP FUNCTION pg_temp.kept_name(text);
