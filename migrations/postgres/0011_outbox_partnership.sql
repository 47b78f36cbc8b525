-- Each partnership's business unit sees its own outbox: the messages its reminders, warnings
-- and digests queued. (Delivery still takes every partnership's messages in turn.)
ALTER TABLE email_outbox ADD COLUMN partnership_id BIGINT NOT NULL DEFAULT 1 REFERENCES partnerships (id);
ALTER TABLE email_outbox ALTER COLUMN partnership_id DROP DEFAULT;
CREATE INDEX email_outbox_partnership ON email_outbox (partnership_id, id);
