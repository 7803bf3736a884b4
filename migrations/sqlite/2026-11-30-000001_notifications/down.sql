ALTER TABLE outbox DROP COLUMN attachment_body;
ALTER TABLE outbox DROP COLUMN attachment_type;
ALTER TABLE outbox DROP COLUMN attachment_name;
DROP TABLE digests_sent;
DROP TABLE notices;
DROP TABLE unsubscribe_links;
DROP TABLE notification_optouts;
