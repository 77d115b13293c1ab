-- A list's look in the newsletter it sends: its colour (#rrggbb) and an optional logo (https).
ALTER TABLE mailing.lists
    ADD COLUMN colour text CHECK (colour ~ '^#[0-9a-f]{6}$'),
    ADD COLUMN logo_url text CHECK (logo_url LIKE 'https://%' AND length(logo_url) <= 2000);
