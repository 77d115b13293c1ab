-- The sender that no address, relay or restart can stall: skipped recipients, the reason a
-- campaign paused, workers' leases, and one sending budget for the whole installation.

ALTER TABLE mailing.deliveries DROP CONSTRAINT deliveries_status_check;
-- skipped: unsubscribed (or suppressed) between queueing and sending; nothing was sent.
ALTER TABLE mailing.deliveries ADD CONSTRAINT deliveries_status_check
    CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'bounced', 'skipped'));

-- Why a campaign stopped by itself (a sender refusal, a relay down too long); shown in the API.
ALTER TABLE mailing.campaigns ADD COLUMN paused_reason text;

-- Each running worker renews its row; a claim is taken over only when its worker's row
-- is older than the lease (and the taker itself has seen the database for a whole lease).
CREATE TABLE mailing.workers (
    name text PRIMARY KEY,
    seen_at timestamptz NOT NULL DEFAULT now()
);

-- One budget for every worker. Sends are spaced at least 1/rate apart: `next_due` is when
-- the next may go (GCRA, ITU-T I.371), so no second ever holds more than the rate, and the
-- sends of each second are counted to hold the hourly limit over any sliding hour.
CREATE TABLE mailing.send_budget (
    id boolean PRIMARY KEY DEFAULT true CHECK (id),
    next_due timestamptz NOT NULL DEFAULT '-infinity'
);
INSERT INTO mailing.send_budget DEFAULT VALUES;

CREATE TABLE mailing.sends_per_second (
    second timestamptz PRIMARY KEY,
    sends integer NOT NULL CHECK (sends >= 0)
);

-- Up to `wanted` sends: how many are granted, in how many seconds the first may go (the
-- rest follow 1/per_second apart, none later than `ahead` seconds from now), and when none
-- is granted, how many seconds until asking again makes sense.
CREATE FUNCTION mailing.take_send_budget(
    wanted integer, per_second integer, per_hour integer, ahead double precision,
    OUT granted integer, OUT first_in double precision, OUT wait double precision)
LANGUAGE plpgsql AS $$
DECLARE
    at timestamptz := clock_timestamp();
    spacing interval := make_interval(secs => 1.0 / per_second);
    due timestamptz;
    used integer;
    oldest timestamptz;
BEGIN
    SELECT greatest(b.next_due, at) INTO due FROM mailing.send_budget b WHERE b.id FOR UPDATE;
    granted := 0;
    first_in := extract(epoch FROM due - at);
    wait := 0;
    IF due > at + make_interval(secs => ahead) THEN
        wait := extract(epoch FROM due - at) - ahead;
        RETURN;
    END IF;
    SELECT coalesce(sum(sends), 0), min(second) INTO used, oldest
      FROM mailing.sends_per_second WHERE second > date_trunc('second', at) - interval '1 hour';
    granted := least(wanted, per_hour - used,
                     1 + floor(extract(epoch FROM at + make_interval(secs => ahead) - due)
                               * per_second)::integer);
    IF granted <= 0 THEN
        granted := 0;
        -- The hour is full: the oldest second of it leaves the window first.
        wait := greatest(0.05, extract(epoch FROM oldest + interval '1 hour' + interval '1 second' - at));
        RETURN;
    END IF;
    UPDATE mailing.send_budget SET next_due = due + spacing * granted WHERE id;
    INSERT INTO mailing.sends_per_second AS s (second, sends)
    VALUES (date_trunc('second', due), granted)
    ON CONFLICT (second) DO UPDATE SET sends = s.sends + EXCLUDED.sends;
    DELETE FROM mailing.sends_per_second WHERE second < date_trunc('second', at) - interval '1 hour';
END;
$$;

