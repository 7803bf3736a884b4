-- A skill's holders in one agency, newest first, straight from an index: a search "with this
-- skill, most recently updated first" reads them in the order it shows them and stops once the
-- page is full (db::search). Each row carries copies of its record's agency and last update,
-- kept by the triggers below whatever code writes the record or its skills.
ALTER TABLE agency_contractor_skills ADD COLUMN agency_id BIGINT NOT NULL DEFAULT 0;
ALTER TABLE agency_contractor_skills ADD COLUMN record_updated_at TIMESTAMP;
UPDATE agency_contractor_skills k SET agency_id = ac.agency_id, record_updated_at = ac.updated_at
    FROM agency_contractors ac WHERE ac.id = k.agency_contractor_id;
DROP INDEX agency_contractor_skills_skill_idx;
CREATE INDEX agency_contractor_skills_holders_idx
    ON agency_contractor_skills (skill_id, agency_id, record_updated_at, agency_contractor_id);

CREATE FUNCTION skill_holders_copy() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT ac.agency_id, ac.updated_at INTO NEW.agency_id, NEW.record_updated_at
        FROM agency_contractors ac WHERE ac.id = NEW.agency_contractor_id;
    RETURN NEW;
END
$$;
CREATE TRIGGER skill_holders_insert BEFORE INSERT ON agency_contractor_skills
    FOR EACH ROW EXECUTE FUNCTION skill_holders_copy();

CREATE FUNCTION skill_holders_record_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE agency_contractor_skills SET record_updated_at = NEW.updated_at WHERE agency_contractor_id = NEW.id;
    RETURN NULL;
END
$$;
CREATE TRIGGER skill_holders_record_updated AFTER UPDATE OF updated_at ON agency_contractors
    FOR EACH ROW EXECUTE FUNCTION skill_holders_record_updated();
