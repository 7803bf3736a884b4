-- A skill's holders in one agency, newest first, straight from an index: a search "with this
-- skill, most recently updated first" reads them in the order it shows them and stops once the
-- page is full (db::search). Each row carries copies of its record's agency and last update,
-- kept by the triggers below whatever code writes the record or its skills.
ALTER TABLE agency_contractor_skills ADD COLUMN agency_id BIGINT NOT NULL DEFAULT 0;
ALTER TABLE agency_contractor_skills ADD COLUMN record_updated_at TIMESTAMP;
UPDATE agency_contractor_skills SET
    agency_id = (SELECT ac.agency_id FROM agency_contractors ac WHERE ac.id = agency_contractor_skills.agency_contractor_id),
    record_updated_at = (SELECT ac.updated_at FROM agency_contractors ac WHERE ac.id = agency_contractor_skills.agency_contractor_id);
DROP INDEX agency_contractor_skills_skill_idx;
CREATE INDEX agency_contractor_skills_holders_idx
    ON agency_contractor_skills (skill_id, agency_id, record_updated_at, agency_contractor_id);

CREATE TRIGGER skill_holders_insert AFTER INSERT ON agency_contractor_skills BEGIN
    UPDATE agency_contractor_skills SET
        agency_id = (SELECT ac.agency_id FROM agency_contractors ac WHERE ac.id = NEW.agency_contractor_id),
        record_updated_at = (SELECT ac.updated_at FROM agency_contractors ac WHERE ac.id = NEW.agency_contractor_id)
    WHERE agency_contractor_id = NEW.agency_contractor_id AND skill_id = NEW.skill_id;
END;

CREATE TRIGGER skill_holders_record_updated AFTER UPDATE OF updated_at ON agency_contractors BEGIN
    UPDATE agency_contractor_skills SET record_updated_at = NEW.updated_at WHERE agency_contractor_id = NEW.id;
END;
