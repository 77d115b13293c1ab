-- Soft bounces are counted; past a threshold the subscription is treated as bounced.
ALTER TABLE mailing.subscriptions ADD COLUMN soft_bounces integer NOT NULL DEFAULT 0;
