-- Where each network's widgets may be embedded (CSP frame-ancestors, CORS): a list of
-- origins, or '{*}' for anywhere; NULL inherits the parent's list ('*' at the top).
ALTER TABLE directory.networks
    ADD COLUMN embed_origins text[]
    CHECK (cardinality(embed_origins) BETWEEN 1 AND 50);

-- Fixed-window counters shared by every copy of the service (reveals, vCards with e-mail).
CREATE TABLE directory.rate_limits (
    bucket text NOT NULL,
    window_start timestamptz NOT NULL,
    hits integer NOT NULL DEFAULT 0,
    PRIMARY KEY (bucket, window_start)
);
CREATE INDEX rate_limits_age ON directory.rate_limits (window_start);
