-- "Cheapest first": the search orders by the hourly rate floor with unknown rates last and the
-- record id as the tie-break. This index holds that exact order per agency, so a search sorted
-- by rate walks it and stops after a page instead of sorting every record that passes its
-- filters (db::search). The plain (agency_id, rate_hourly_minor) index stays for "rate at most".
CREATE INDEX agency_contractors_rate_order_idx
    ON agency_contractors (agency_id, COALESCE(rate_hourly_minor, 9223372036854775807), id);
