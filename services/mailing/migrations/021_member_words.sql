-- Member search through a built-in full-text index, the same on every PostgreSQL. Before (018),
-- a GIN trigram index was made only where the server has pg_trgm; the embedded server has
-- not, so there a search for a rare text read the list in address order until it had a page.
-- Each subscription now holds its member's words (tsvector): the accent-folded words of the
-- name and of the address split at punctuation, the whole folded address, and a lexeme naming
-- its list, so that one GIN index (no btree_gin) finds a text's rows of that list alone. A
-- search matches members of whom every typed word begins a word (mailing.member_query).

-- Case- and accent-insensitive text, as directory.fold (017) folds it: compatibility-decomposed,
-- combining marks removed, the letters without a decomposition mapped by hand. A copy, not a
-- call: a service never depends on another service's schema.
CREATE FUNCTION mailing.fold(value text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE RETURNS NULL ON NULL INPUT AS $$
  SELECT lower(translate(regexp_replace(normalize(replace(replace(value, 'ß', 'ss'), 'ẞ', 'SS'), NFKD),
                                        '[\u0300-\u036f]', '', 'g'),
                         'ŁłØøĐđÆæŒœĦħıŦŧ', 'LlOoDdAaOoHhiTt'))
$$;

-- The folded words of a text, split at spaces and punctuation; each cut to 255 letters (a GIN
-- entry holds at most about 2,700 bytes, and a typed word is at most 254 letters, so a prefix
-- of a long word still finds it).
CREATE FUNCTION mailing.words(value text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE RETURNS NULL ON NULL INPUT AS $$
  SELECT coalesce(array_agg(DISTINCT left(w, 255)), '{}')
    FROM regexp_split_to_table(mailing.fold(value), '[[:space:][:punct:]]+') w
   WHERE w <> ''
$$;

-- What a search looks in: the words of the address and the name, the whole address (so a
-- pasted address finds that address, not every one sharing its words), and '#<list id>',
-- which no typed word can match (typed words hold no punctuation, a typed address an '@').
CREATE FUNCTION mailing.member_words(list_id bigint, email text, name text) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT array_to_tsvector(mailing.words(email || ' ' || coalesce(name, ''))
                           || left(mailing.fold(email), 255) || ('#' || list_id))
$$;

-- The typed text as a query of list_id's members: every typed word must begin one of the
-- member's words; a typed address (text@text) must begin the member's address. Built from
-- folded words, never parsed as tsquery syntax, so no typed text is an operator (& | ! : ( ) <
-- quotes and backslashes are punctuation, or quoted inside an address). NULL when nothing
-- is left to look for (only punctuation): such a search finds nobody.
CREATE FUNCTION mailing.member_query(list_id bigint, typed text) RETURNS tsquery
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT (string_agg('''' || replace(replace(term, '\', '\\'), '''', '''''') || ''':*', ' & ')
          || ' & ''#' || list_id || '''')::tsquery
    FROM (SELECT token FROM regexp_split_to_table(mailing.fold(typed), '[[:space:]]+') token) t,
         LATERAL unnest(CASE WHEN token ~ '^[^@]+@.' THEN ARRAY[left(token, 255)]
                             ELSE mailing.words(token) END) term
   HAVING count(*) > 0
$$;

ALTER TABLE mailing.subscriptions ADD COLUMN words tsvector;

CREATE OR REPLACE FUNCTION mailing.subscription_keys() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    SELECT lower(b.email), mailing.member_words(NEW.list_id, b.email, coalesce(NEW.name, b.name))
      INTO NEW.email_key, NEW.words
      FROM mailing.subscribers b WHERE b.id = NEW.subscriber_id;
    RETURN NEW;
END $$;
-- Also when a subscription moves to another list: its words name the list.
DROP TRIGGER subscription_keys ON mailing.subscriptions;
CREATE TRIGGER subscription_keys BEFORE INSERT OR UPDATE OF subscriber_id, name, list_id
    ON mailing.subscriptions FOR EACH ROW EXECUTE FUNCTION mailing.subscription_keys();

CREATE OR REPLACE FUNCTION mailing.subscriber_keys() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE mailing.subscriptions s
       SET email_key = lower(NEW.email),
           words = mailing.member_words(s.list_id, NEW.email, coalesce(s.name, NEW.name))
     WHERE s.subscriber_id = NEW.id;
    RETURN NULL;
END $$;

UPDATE mailing.subscriptions s
   SET words = mailing.member_words(s.list_id, b.email, coalesce(s.name, b.name))
  FROM mailing.subscribers b WHERE b.id = s.subscriber_id;

CREATE INDEX subscriptions_words ON mailing.subscriptions USING gin (words);

-- One behaviour on every server: the trigram index (where 018 made one) and the text it
-- indexed go. No released code reads `search` (it came with 018, in this release). The
-- extension stays: others may use it, and it costs nothing unused.
DROP INDEX IF EXISTS mailing.subscriptions_search;
ALTER TABLE mailing.subscriptions DROP COLUMN search;
