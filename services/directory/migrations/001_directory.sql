-- The directory: networks, organisations, contacts, accounts and tokens.

-- Case- and diacritic-insensitive search key. No extensions are needed (the embedded
-- PostgreSQL ships without unaccent), so the folding table is spelled out here.
CREATE FUNCTION directory.fold(value text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE RETURNS NULL ON NULL INPUT AS $$
  SELECT lower(translate(value,
    'ĄąČčĘęĖėĮįŠšŲųŪūŽžĀāĒēĢģĪīĶķĻļŅņŌōŖŗÕõÄäÖöÜüÅåØøÆæÉéÈèÊêËëÁáÀàÂâÍíÌìÎîÏïÓóÒòÔôÚúÙùÛûÝýÿÑñÇçĆćŁłŃńŚśŹźŻżŐőŰűŘřĎďŤťŇňĚěŮů',
    'AaCcEeEeIiSsUuUuZzAaEeGgIiKkLlNnOoRrOoAaOoUuAaOoAaEeEeEeEeAaAaAaIiIiIiIiOoOoOoUuUuUuYyyNnCcCcLlNnSsZzZzOoUuRrDdTtNnEeUu'))
$$;

-- A counter bumped by every change, so a reader can tell in one cheap query whether
-- anything it cached (bodies, ETags) is still current.
CREATE TABLE directory.state (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    version bigint NOT NULL DEFAULT 1
);
INSERT INTO directory.state DEFAULT VALUES;

CREATE FUNCTION directory.bump_version() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE directory.state SET version = version + 1;
  RETURN NULL;
END $$;

CREATE TABLE directory.networks (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(slug) <= 64),
    parent_id bigint REFERENCES directory.networks (id) ON DELETE RESTRICT,
    names jsonb NOT NULL CHECK (jsonb_typeof(names) = 'object' AND names <> '{}'),
    default_lang text NOT NULL CHECK (default_lang IN ('en', 'et', 'lv', 'lt')),
    is_private boolean NOT NULL DEFAULT false,
    position integer NOT NULL DEFAULT 0,
    revision integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CHECK (parent_id IS DISTINCT FROM id)
);

CREATE TABLE directory.organisations (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(slug) <= 64),
    names jsonb NOT NULL CHECK (jsonb_typeof(names) = 'object' AND names <> '{}'),
    country text CHECK (country ~ '^[A-Z]{2}$'),
    website text CHECK (website ~ '^https?://'),
    revision integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE directory.contacts (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    uid uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
    given_name text NOT NULL DEFAULT '',
    family_name text NOT NULL DEFAULT '',
    display_name text NOT NULL CHECK (btrim(display_name) <> ''),
    titles jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(titles) = 'object'),
    organisation_id bigint REFERENCES directory.organisations (id) ON DELETE RESTRICT,
    position integer NOT NULL DEFAULT 0,
    published boolean NOT NULL DEFAULT true,
    revision integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX contacts_order ON directory.contacts (position, id);

CREATE TABLE directory.contact_phones (
    contact_id bigint NOT NULL REFERENCES directory.contacts (id) ON DELETE CASCADE,
    position smallint NOT NULL,
    e164 text NOT NULL CHECK (e164 ~ '^\+[1-9][0-9]{6,14}$'),
    written text NOT NULL,
    kind text NOT NULL DEFAULT 'work' CHECK (kind IN ('work', 'cell', 'voice', 'fax', 'home')),
    PRIMARY KEY (contact_id, position),
    UNIQUE (contact_id, e164)
);

CREATE TABLE directory.contact_emails (
    contact_id bigint NOT NULL REFERENCES directory.contacts (id) ON DELETE CASCADE,
    position smallint NOT NULL,
    address text NOT NULL CHECK (address LIKE '%_@_%'),
    PRIMARY KEY (contact_id, position)
);
CREATE UNIQUE INDEX contact_emails_unique ON directory.contact_emails (contact_id, lower(address));

CREATE TABLE directory.contact_links (
    contact_id bigint NOT NULL REFERENCES directory.contacts (id) ON DELETE CASCADE,
    position smallint NOT NULL,
    url text NOT NULL CHECK (url ~ '^https?://'),
    label text,
    PRIMARY KEY (contact_id, position),
    UNIQUE (contact_id, url)
);

CREATE TABLE directory.memberships (
    contact_id bigint NOT NULL REFERENCES directory.contacts (id) ON DELETE CASCADE,
    network_id bigint NOT NULL REFERENCES directory.networks (id) ON DELETE RESTRICT,
    role text NOT NULL DEFAULT 'member' CHECK (role IN ('member', 'coordinator')),
    PRIMARY KEY (contact_id, network_id)
);
CREATE INDEX memberships_network ON directory.memberships (network_id);

CREATE TABLE directory.accounts (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email text NOT NULL,
    name text NOT NULL DEFAULT '',
    is_admin boolean NOT NULL DEFAULT false,
    disabled boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX accounts_email ON directory.accounts (lower(email));

CREATE TABLE directory.permissions (
    account_id bigint NOT NULL REFERENCES directory.accounts (id) ON DELETE CASCADE,
    network_id bigint NOT NULL REFERENCES directory.networks (id) ON DELETE CASCADE,
    edit_contacts boolean NOT NULL DEFAULT false,
    manage_lists boolean NOT NULL DEFAULT false,
    send_campaigns boolean NOT NULL DEFAULT false,
    PRIMARY KEY (account_id, network_id)
);

-- Only a SHA-256 of each token is kept; the token itself is shown once.
CREATE TABLE directory.tokens (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id bigint NOT NULL REFERENCES directory.accounts (id) ON DELETE CASCADE,
    kind text NOT NULL DEFAULT 'api' CHECK (kind IN ('api', 'read')),
    name text NOT NULL DEFAULT '',
    prefix text NOT NULL,
    hash bytea NOT NULL UNIQUE CHECK (length(hash) = 32),
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz,
    revoked_at timestamptz,
    last_used_at timestamptz
);
CREATE INDEX tokens_account ON directory.tokens (account_id);

CREATE TRIGGER networks_changed AFTER INSERT OR UPDATE OR DELETE ON directory.networks
    FOR EACH STATEMENT EXECUTE FUNCTION directory.bump_version();
CREATE TRIGGER organisations_changed AFTER INSERT OR UPDATE OR DELETE ON directory.organisations
    FOR EACH STATEMENT EXECUTE FUNCTION directory.bump_version();
CREATE TRIGGER contacts_changed AFTER INSERT OR UPDATE OR DELETE ON directory.contacts
    FOR EACH STATEMENT EXECUTE FUNCTION directory.bump_version();
CREATE TRIGGER phones_changed AFTER INSERT OR UPDATE OR DELETE ON directory.contact_phones
    FOR EACH STATEMENT EXECUTE FUNCTION directory.bump_version();
CREATE TRIGGER emails_changed AFTER INSERT OR UPDATE OR DELETE ON directory.contact_emails
    FOR EACH STATEMENT EXECUTE FUNCTION directory.bump_version();
CREATE TRIGGER links_changed AFTER INSERT OR UPDATE OR DELETE ON directory.contact_links
    FOR EACH STATEMENT EXECUTE FUNCTION directory.bump_version();
CREATE TRIGGER memberships_changed AFTER INSERT OR UPDATE OR DELETE ON directory.memberships
    FOR EACH STATEMENT EXECUTE FUNCTION directory.bump_version();

-- Everything a public card shows, in one row per contact; e-mail addresses are
-- deliberately not here (only whether there is one), so no public query can leak them.
CREATE VIEW directory.contact_cards AS
SELECT c.id, c.uid, c.given_name, c.family_name, c.display_name, c.titles, c.position,
       c.published, c.revision, c.created_at, c.updated_at,
       o.id AS org_id, o.slug AS org_slug, o.names AS org_names,
       o.country AS org_country, o.website AS org_website,
       (SELECT coalesce(jsonb_agg(jsonb_build_object('e164', p.e164, 'written', p.written,
                                                     'kind', p.kind) ORDER BY p.position), '[]')
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
