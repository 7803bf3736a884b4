DROP INDEX login_attempts_known_browser_idx;
ALTER TABLE login_attempts DROP COLUMN known_browser_id;
DROP TABLE known_browsers;
