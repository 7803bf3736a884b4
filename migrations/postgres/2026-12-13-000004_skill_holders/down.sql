DROP TRIGGER skill_holders_record_updated ON agency_contractors;
DROP FUNCTION skill_holders_record_updated();
DROP TRIGGER skill_holders_insert ON agency_contractor_skills;
DROP FUNCTION skill_holders_copy();
DROP INDEX agency_contractor_skills_holders_idx;
CREATE INDEX agency_contractor_skills_skill_idx ON agency_contractor_skills (skill_id, agency_contractor_id);
ALTER TABLE agency_contractor_skills DROP COLUMN record_updated_at;
ALTER TABLE agency_contractor_skills DROP COLUMN agency_id;
