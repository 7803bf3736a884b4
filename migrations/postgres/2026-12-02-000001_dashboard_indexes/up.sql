-- The dashboard's sections read through these (BENCHMARKS.md: the dashboard of a large agency).
-- A recruiter's own submissions (open ones most overdue first): every "mine" section starts here.
CREATE INDEX submissions_owner_due_idx ON submissions (agency_id, owner_id, closed_at, next_update_due);
-- The team's consent requests: waiting (by expiry) and recently asked (expired unanswered).
CREATE INDEX consents_agency_idx ON consents (agency_id, status, expires_at);
CREATE INDEX consents_agency_requested_idx ON consents (agency_id, requested_at);
-- Contractors with a competing offer; a recruiter's own contractors by availability date.
CREATE INDEX agency_contractors_agency_competing_idx ON agency_contractors (agency_id, competing_offer_until);
CREATE INDEX agency_contractors_owner_idx ON agency_contractors (agency_id, owner_id, available_on);
