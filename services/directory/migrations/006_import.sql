-- Contacts in as people write them: normalised text, searches that fold every accent,
-- phone numbers with extensions or kept as written, and each network's country.

-- Case- and accent-insensitive search key: compatibility-decomposed (NFKD), combining marks
-- removed, then the letters that have no decomposition (Ł, Ø, Đ...) mapped by hand. Text is
-- NFC at every service's edge, but the fold must not depend on it.
CREATE OR REPLACE FUNCTION directory.fold(value text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE RETURNS NULL ON NULL INPUT AS $$
  SELECT lower(translate(regexp_replace(normalize(value, NFKD), '[\u0300-\u036f]', '', 'g'),
                         'ŁłØøĐđÆæŒœßĦħıŦŧ', 'LlOoDdAaOosHhiTt'))
$$;

-- Text stored before the edge normalised it is made NFC once, here.
UPDATE directory.contacts
   SET given_name = normalize(given_name, NFC), family_name = normalize(family_name, NFC),
       display_name = normalize(display_name, NFC), titles = normalize(titles::text, NFC)::jsonb
 WHERE NOT (given_name IS NFC NORMALIZED AND family_name IS NFC NORMALIZED
            AND display_name IS NFC NORMALIZED AND titles::text IS NFC NORMALIZED);
UPDATE directory.organisations SET names = normalize(names::text, NFC)::jsonb
 WHERE NOT names::text IS NFC NORMALIZED;
UPDATE directory.networks SET names = normalize(names::text, NFC)::jsonb
 WHERE NOT names::text IS NFC NORMALIZED;

-- The country whose national numbers a network's contacts write (phonenumbers' region).
-- Networks named by a two-letter country code (FOR-IN's ee, lv, lt) are that country's.
ALTER TABLE directory.networks ADD COLUMN country text CHECK (country ~ '^[A-Z]{2}$');
UPDATE directory.networks SET country = upper(slug) WHERE slug ~ '^[a-z]{2}$';

-- A number that cannot be read is kept as written, without E.164 (flagged by its absence);
-- an extension is kept beside the E.164 number it belongs to (RFC 3966 `;ext=`).
ALTER TABLE directory.contact_phones ALTER COLUMN e164 DROP NOT NULL;
ALTER TABLE directory.contact_phones
    ADD COLUMN extension text CHECK (extension ~ '^[0-9]{1,20}$'),
    ADD CHECK (e164 IS NOT NULL OR extension IS NULL),
    ADD CHECK (btrim(written) <> '');
ALTER TABLE directory.contact_phones DROP CONSTRAINT contact_phones_contact_id_e164_key;
CREATE UNIQUE INDEX contact_phones_unique
    ON directory.contact_phones (contact_id, e164, coalesce(extension, ''));

-- Imports match cards by address across the directory.
CREATE INDEX contact_emails_address ON directory.contact_emails (lower(address));

CREATE OR REPLACE VIEW directory.contact_cards AS
SELECT c.id, c.uid, c.given_name, c.family_name, c.display_name, c.titles, c.position,
       c.published, c.revision, c.created_at, c.updated_at,
       o.id AS org_id, o.slug AS org_slug, o.names AS org_names,
       o.country AS org_country, o.website AS org_website,
       (SELECT coalesce(jsonb_agg(jsonb_build_object('e164', p.e164, 'written', p.written,
                                                     'kind', p.kind, 'extension', p.extension)
                                  ORDER BY p.position), '[]')
          FROM directory.contact_phones p WHERE p.contact_id = c.id) AS phones,
       (SELECT coalesce(jsonb_agg(jsonb_build_object('url', l.url, 'label', l.label)
                                  ORDER BY l.position), '[]')
          FROM directory.contact_links l WHERE l.contact_id = c.id) AS links,
       (SELECT coalesce(jsonb_agg(jsonb_build_object('network', n.slug, 'role', m.role)
                                  ORDER BY n.position, n.id), '[]')
          FROM directory.memberships m JOIN directory.networks n ON n.id = m.network_id
         WHERE m.contact_id = c.id) AS networks,
       (SELECT coalesce(array_agg(m.network_id), '{}')
          FROM directory.memberships m WHERE m.contact_id = c.id) AS network_ids,
       EXISTS (SELECT 1 FROM directory.contact_emails e WHERE e.contact_id = c.id) AS has_email,
       directory.fold(concat_ws(' ', c.display_name, c.given_name, c.family_name,
                                (SELECT string_agg(value, ' ') FROM jsonb_each_text(o.names)))) AS search_key
  FROM directory.contacts c
  LEFT JOIN directory.organisations o ON o.id = c.organisation_id;
