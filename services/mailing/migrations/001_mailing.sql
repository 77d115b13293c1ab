-- Newsletter lists per directory network, subscribers, and their subscriptions.

CREATE TABLE mailing.lists (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(slug) <= 64),
    network text NOT NULL,  -- a directory network slug, checked over HTTP when written
    lang text NOT NULL CHECK (lang IN ('en', 'et', 'lv', 'lt')),
    names jsonb NOT NULL CHECK (jsonb_typeof(names) = 'object' AND names <> '{}'),
    descriptions jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(descriptions) = 'object'),
    from_name text NOT NULL,
    from_address text NOT NULL CHECK (from_address LIKE '%_@_%'),
    reply_to text CHECK (reply_to LIKE '%_@_%'),
    revision integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX lists_network ON mailing.lists (network);

CREATE TABLE mailing.subscribers (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email text NOT NULL CHECK (email LIKE '%_@_%'),
    name text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX subscribers_email ON mailing.subscribers (lower(email));

CREATE TABLE mailing.subscriptions (
    list_id bigint NOT NULL REFERENCES mailing.lists (id) ON DELETE CASCADE,
    subscriber_id bigint NOT NULL REFERENCES mailing.subscribers (id) ON DELETE CASCADE,
    status text NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'confirmed', 'unsubscribed', 'bounced', 'complained')),
    lang text NOT NULL CHECK (lang IN ('en', 'et', 'lv', 'lt')),
    confirmation_sent_at timestamptz,
    confirmed_at timestamptz,
    unsubscribed_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (list_id, subscriber_id)
);
CREATE INDEX subscriptions_subscriber ON mailing.subscriptions (subscriber_id);

-- Confirmation links are single-use: a token's nonce is recorded when it is used.
CREATE TABLE mailing.used_tokens (
    nonce_hash bytea PRIMARY KEY CHECK (length(nonce_hash) = 32),
    used_at timestamptz NOT NULL DEFAULT now()
);

-- Fixed-window counters for the public forms, shared by every copy of the service.
CREATE TABLE mailing.rate_limits (
    bucket text NOT NULL,
    window_start timestamptz NOT NULL,
    hits integer NOT NULL DEFAULT 0,
    PRIMARY KEY (bucket, window_start)
);
