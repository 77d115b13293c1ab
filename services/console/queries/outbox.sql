-- name: queue-signin-mail
-- The wish, whatever the address: whether it has an account is learnt only by the sender.
INSERT INTO console.outbox (address, lang, give_up_at)
VALUES ($1, $2, now() + make_interval(secs => $3));
