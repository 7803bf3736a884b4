-- A contractor may withdraw a consent they approved ("do not put me forward for this role after
-- all"). The consent's status becomes 'withdrawn' (already allowed) and this records when; the
-- address and browser of the withdrawal are in the audit log with the decision's own.
ALTER TABLE consents ADD COLUMN withdrawn_at TIMESTAMP;
