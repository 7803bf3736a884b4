-- Who last confirmed a contractor's availability: 'contractor' (in their own portal or from the
-- "still available" email) or 'agency' (a recruiter, after speaking with them, or an edit or a
-- placement that changed it). A client's shortlist says which. Existing confirmations: a
-- profile's were the contractor's; an agency record linked to a profile took its profile's.
ALTER TABLE contractor_profiles ADD COLUMN availability_confirmed_by TEXT
    CHECK (availability_confirmed_by IN ('contractor', 'agency'));
ALTER TABLE agency_contractors ADD COLUMN availability_confirmed_by TEXT
    CHECK (availability_confirmed_by IN ('contractor', 'agency'));
UPDATE contractor_profiles SET availability_confirmed_by = 'contractor' WHERE availability_confirmed_at IS NOT NULL;
UPDATE agency_contractors SET availability_confirmed_by = CASE WHEN profile_id IS NULL THEN 'agency' ELSE 'contractor' END
    WHERE availability_confirmed_at IS NOT NULL;
