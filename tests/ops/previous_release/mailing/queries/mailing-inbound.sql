-- name: campaign-list
SELECT list_id FROM mailing.campaigns WHERE id = $1;

-- name: hard-bounce
WITH d AS (UPDATE mailing.deliveries SET status = 'bounced'
            WHERE campaign_id = $1 AND subscriber_id = $2)
UPDATE mailing.subscriptions SET status = 'bounced', updated_at = now()
 WHERE list_id = $3 AND subscriber_id = $2 AND status IN ('pending', 'confirmed');

-- name: soft-bounce
UPDATE mailing.subscriptions
   SET soft_bounces = soft_bounces + 1,
       status = CASE WHEN soft_bounces + 1 >= $3 AND status = 'confirmed' THEN 'bounced' ELSE status END,
       updated_at = now()
 WHERE list_id = $1 AND subscriber_id = $2
RETURNING soft_bounces, status;

-- name: complaint
UPDATE mailing.subscriptions
   SET status = 'complained', unsubscribed_at = now(), updated_at = now()
 WHERE list_id = $1 AND subscriber_id = $2;
