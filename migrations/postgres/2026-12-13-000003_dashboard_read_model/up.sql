-- The dashboard's read model (models::dashboard): each recruiter's dashboard, and an admin's
-- whole-team view, as computed, with the version of the data it was computed from.
--
-- dashboard_versions counts the changes to what each owner's dashboard shows (owner 0: changes
-- that belong to no one; the team view follows the sum over the agency). The triggers below
-- bump it in the same transaction as every write that changes a dashboard, whatever code path
-- makes the write. A dashboard behind its version, past its day, or older than a few minutes is
-- computed again when it is next read.

CREATE TABLE dashboard_versions (
    agency_id BIGINT NOT NULL,
    owner_id BIGINT NOT NULL,
    version BIGINT NOT NULL,
    PRIMARY KEY (agency_id, owner_id)
);

CREATE TABLE dashboards (
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    team BOOLEAN NOT NULL,
    agency_id BIGINT NOT NULL,
    version BIGINT NOT NULL,
    time_zone TEXT NOT NULL,
    computed_at TIMESTAMP NOT NULL,
    valid_until TIMESTAMP NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (user_id, team)
);

CREATE FUNCTION dashboard_submissions_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO dashboard_versions (agency_id, owner_id, version)
        SELECT DISTINCT changed.a, COALESCE(changed.o, 0), 1 FROM (SELECT OLD.agency_id AS a, OLD.owner_id AS o) AS changed WHERE changed.a IS NOT NULL
        ON CONFLICT (agency_id, owner_id) DO UPDATE SET version = dashboard_versions.version + 1;
        INSERT INTO dashboard_versions (agency_id, owner_id, version)
        SELECT DISTINCT changed.a, COALESCE(changed.o, 0), 1 FROM (SELECT sl.agency_id AS a, sl.created_by AS o FROM shortlist_entries e JOIN shortlists sl ON sl.id = e.shortlist_id WHERE e.submission_id = OLD.id) AS changed WHERE changed.a IS NOT NULL
        ON CONFLICT (agency_id, owner_id) DO UPDATE SET version = dashboard_versions.version + 1;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO dashboard_versions (agency_id, owner_id, version)
        SELECT DISTINCT changed.a, COALESCE(changed.o, 0), 1 FROM (SELECT NEW.agency_id AS a, NEW.owner_id AS o) AS changed WHERE changed.a IS NOT NULL
        ON CONFLICT (agency_id, owner_id) DO UPDATE SET version = dashboard_versions.version + 1;
        INSERT INTO dashboard_versions (agency_id, owner_id, version)
        SELECT DISTINCT changed.a, COALESCE(changed.o, 0), 1 FROM (SELECT sl.agency_id AS a, sl.created_by AS o FROM shortlist_entries e JOIN shortlists sl ON sl.id = e.shortlist_id WHERE e.submission_id = NEW.id) AS changed WHERE changed.a IS NOT NULL
        ON CONFLICT (agency_id, owner_id) DO UPDATE SET version = dashboard_versions.version + 1;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER dashboard_submissions AFTER INSERT OR UPDATE OR DELETE ON submissions FOR EACH ROW EXECUTE FUNCTION dashboard_submissions_changed();

CREATE FUNCTION dashboard_consents_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO dashboard_versions (agency_id, owner_id, version)
        SELECT DISTINCT changed.a, COALESCE(changed.o, 0), 1 FROM (SELECT s.agency_id AS a, s.owner_id AS o FROM submissions s WHERE s.id = OLD.submission_id) AS changed WHERE changed.a IS NOT NULL
        ON CONFLICT (agency_id, owner_id) DO UPDATE SET version = dashboard_versions.version + 1;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO dashboard_versions (agency_id, owner_id, version)
        SELECT DISTINCT changed.a, COALESCE(changed.o, 0), 1 FROM (SELECT s.agency_id AS a, s.owner_id AS o FROM submissions s WHERE s.id = NEW.submission_id) AS changed WHERE changed.a IS NOT NULL
        ON CONFLICT (agency_id, owner_id) DO UPDATE SET version = dashboard_versions.version + 1;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER dashboard_consents AFTER INSERT OR UPDATE OR DELETE ON consents FOR EACH ROW EXECUTE FUNCTION dashboard_consents_changed();

CREATE FUNCTION dashboard_interviews_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO dashboard_versions (agency_id, owner_id, version)
        SELECT DISTINCT changed.a, COALESCE(changed.o, 0), 1 FROM (SELECT s.agency_id AS a, s.owner_id AS o FROM submissions s WHERE s.id = OLD.submission_id) AS changed WHERE changed.a IS NOT NULL
        ON CONFLICT (agency_id, owner_id) DO UPDATE SET version = dashboard_versions.version + 1;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO dashboard_versions (agency_id, owner_id, version)
        SELECT DISTINCT changed.a, COALESCE(changed.o, 0), 1 FROM (SELECT s.agency_id AS a, s.owner_id AS o FROM submissions s WHERE s.id = NEW.submission_id) AS changed WHERE changed.a IS NOT NULL
        ON CONFLICT (agency_id, owner_id) DO UPDATE SET version = dashboard_versions.version + 1;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER dashboard_interviews AFTER INSERT OR UPDATE OR DELETE ON interviews FOR EACH ROW EXECUTE FUNCTION dashboard_interviews_changed();

CREATE FUNCTION dashboard_placements_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO dashboard_versions (agency_id, owner_id, version)
        SELECT DISTINCT changed.a, COALESCE(changed.o, 0), 1 FROM (SELECT s.agency_id AS a, s.owner_id AS o FROM submissions s WHERE s.id = OLD.submission_id) AS changed WHERE changed.a IS NOT NULL
        ON CONFLICT (agency_id, owner_id) DO UPDATE SET version = dashboard_versions.version + 1;
        INSERT INTO dashboard_versions (agency_id, owner_id, version)
        SELECT DISTINCT changed.a, COALESCE(changed.o, 0), 1 FROM (SELECT c.agency_id AS a, c.owner_id AS o FROM agency_contractors c WHERE c.id = OLD.contractor_id) AS changed WHERE changed.a IS NOT NULL
        ON CONFLICT (agency_id, owner_id) DO UPDATE SET version = dashboard_versions.version + 1;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO dashboard_versions (agency_id, owner_id, version)
        SELECT DISTINCT changed.a, COALESCE(changed.o, 0), 1 FROM (SELECT s.agency_id AS a, s.owner_id AS o FROM submissions s WHERE s.id = NEW.submission_id) AS changed WHERE changed.a IS NOT NULL
        ON CONFLICT (agency_id, owner_id) DO UPDATE SET version = dashboard_versions.version + 1;
        INSERT INTO dashboard_versions (agency_id, owner_id, version)
        SELECT DISTINCT changed.a, COALESCE(changed.o, 0), 1 FROM (SELECT c.agency_id AS a, c.owner_id AS o FROM agency_contractors c WHERE c.id = NEW.contractor_id) AS changed WHERE changed.a IS NOT NULL
        ON CONFLICT (agency_id, owner_id) DO UPDATE SET version = dashboard_versions.version + 1;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER dashboard_placements AFTER INSERT OR UPDATE OR DELETE ON placements FOR EACH ROW EXECUTE FUNCTION dashboard_placements_changed();

CREATE FUNCTION dashboard_shortlists_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO dashboard_versions (agency_id, owner_id, version)
        SELECT DISTINCT changed.a, COALESCE(changed.o, 0), 1 FROM (SELECT OLD.agency_id AS a, OLD.created_by AS o) AS changed WHERE changed.a IS NOT NULL
        ON CONFLICT (agency_id, owner_id) DO UPDATE SET version = dashboard_versions.version + 1;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO dashboard_versions (agency_id, owner_id, version)
        SELECT DISTINCT changed.a, COALESCE(changed.o, 0), 1 FROM (SELECT NEW.agency_id AS a, NEW.created_by AS o) AS changed WHERE changed.a IS NOT NULL
        ON CONFLICT (agency_id, owner_id) DO UPDATE SET version = dashboard_versions.version + 1;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER dashboard_shortlists AFTER INSERT OR UPDATE OR DELETE ON shortlists FOR EACH ROW EXECUTE FUNCTION dashboard_shortlists_changed();

CREATE FUNCTION dashboard_shortlist_entries_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO dashboard_versions (agency_id, owner_id, version)
        SELECT DISTINCT changed.a, COALESCE(changed.o, 0), 1 FROM (SELECT sl.agency_id AS a, sl.created_by AS o FROM shortlists sl WHERE sl.id = OLD.shortlist_id) AS changed WHERE changed.a IS NOT NULL
        ON CONFLICT (agency_id, owner_id) DO UPDATE SET version = dashboard_versions.version + 1;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO dashboard_versions (agency_id, owner_id, version)
        SELECT DISTINCT changed.a, COALESCE(changed.o, 0), 1 FROM (SELECT sl.agency_id AS a, sl.created_by AS o FROM shortlists sl WHERE sl.id = NEW.shortlist_id) AS changed WHERE changed.a IS NOT NULL
        ON CONFLICT (agency_id, owner_id) DO UPDATE SET version = dashboard_versions.version + 1;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER dashboard_shortlist_entries AFTER INSERT OR UPDATE OR DELETE ON shortlist_entries FOR EACH ROW EXECUTE FUNCTION dashboard_shortlist_entries_changed();

CREATE FUNCTION dashboard_agency_contractors_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO dashboard_versions (agency_id, owner_id, version)
        SELECT DISTINCT changed.a, COALESCE(changed.o, 0), 1 FROM (SELECT OLD.agency_id AS a, OLD.owner_id AS o) AS changed WHERE changed.a IS NOT NULL
        ON CONFLICT (agency_id, owner_id) DO UPDATE SET version = dashboard_versions.version + 1;
        INSERT INTO dashboard_versions (agency_id, owner_id, version)
        SELECT DISTINCT changed.a, COALESCE(changed.o, 0), 1 FROM (SELECT s.agency_id AS a, s.owner_id AS o FROM submissions s WHERE s.agency_id = OLD.agency_id AND s.contractor_id = OLD.id AND s.closed_at IS NULL) AS changed WHERE changed.a IS NOT NULL
        ON CONFLICT (agency_id, owner_id) DO UPDATE SET version = dashboard_versions.version + 1;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO dashboard_versions (agency_id, owner_id, version)
        SELECT DISTINCT changed.a, COALESCE(changed.o, 0), 1 FROM (SELECT NEW.agency_id AS a, NEW.owner_id AS o) AS changed WHERE changed.a IS NOT NULL
        ON CONFLICT (agency_id, owner_id) DO UPDATE SET version = dashboard_versions.version + 1;
        INSERT INTO dashboard_versions (agency_id, owner_id, version)
        SELECT DISTINCT changed.a, COALESCE(changed.o, 0), 1 FROM (SELECT s.agency_id AS a, s.owner_id AS o FROM submissions s WHERE s.agency_id = NEW.agency_id AND s.contractor_id = NEW.id AND s.closed_at IS NULL) AS changed WHERE changed.a IS NOT NULL
        ON CONFLICT (agency_id, owner_id) DO UPDATE SET version = dashboard_versions.version + 1;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER dashboard_agency_contractors AFTER INSERT OR UPDATE OR DELETE ON agency_contractors FOR EACH ROW EXECUTE FUNCTION dashboard_agency_contractors_changed();

CREATE FUNCTION dashboard_tasks_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO dashboard_versions (agency_id, owner_id, version)
        SELECT DISTINCT changed.a, COALESCE(changed.o, 0), 1 FROM (SELECT OLD.agency_id AS a, OLD.assignee_id AS o) AS changed WHERE changed.a IS NOT NULL
        ON CONFLICT (agency_id, owner_id) DO UPDATE SET version = dashboard_versions.version + 1;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO dashboard_versions (agency_id, owner_id, version)
        SELECT DISTINCT changed.a, COALESCE(changed.o, 0), 1 FROM (SELECT NEW.agency_id AS a, NEW.assignee_id AS o) AS changed WHERE changed.a IS NOT NULL
        ON CONFLICT (agency_id, owner_id) DO UPDATE SET version = dashboard_versions.version + 1;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER dashboard_tasks AFTER INSERT OR UPDATE OR DELETE ON tasks FOR EACH ROW EXECUTE FUNCTION dashboard_tasks_changed();

CREATE FUNCTION dashboard_jobs_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO dashboard_versions (agency_id, owner_id, version)
        SELECT DISTINCT changed.a, COALESCE(changed.o, 0), 1 FROM (SELECT s.agency_id AS a, s.owner_id AS o FROM submissions s WHERE s.agency_id = OLD.agency_id AND s.job_id = OLD.id) AS changed WHERE changed.a IS NOT NULL
        ON CONFLICT (agency_id, owner_id) DO UPDATE SET version = dashboard_versions.version + 1;
        INSERT INTO dashboard_versions (agency_id, owner_id, version)
        SELECT DISTINCT changed.a, COALESCE(changed.o, 0), 1 FROM (SELECT sl.agency_id AS a, sl.created_by AS o FROM shortlists sl WHERE sl.agency_id = OLD.agency_id AND sl.job_id = OLD.id) AS changed WHERE changed.a IS NOT NULL
        ON CONFLICT (agency_id, owner_id) DO UPDATE SET version = dashboard_versions.version + 1;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO dashboard_versions (agency_id, owner_id, version)
        SELECT DISTINCT changed.a, COALESCE(changed.o, 0), 1 FROM (SELECT s.agency_id AS a, s.owner_id AS o FROM submissions s WHERE s.agency_id = NEW.agency_id AND s.job_id = NEW.id) AS changed WHERE changed.a IS NOT NULL
        ON CONFLICT (agency_id, owner_id) DO UPDATE SET version = dashboard_versions.version + 1;
        INSERT INTO dashboard_versions (agency_id, owner_id, version)
        SELECT DISTINCT changed.a, COALESCE(changed.o, 0), 1 FROM (SELECT sl.agency_id AS a, sl.created_by AS o FROM shortlists sl WHERE sl.agency_id = NEW.agency_id AND sl.job_id = NEW.id) AS changed WHERE changed.a IS NOT NULL
        ON CONFLICT (agency_id, owner_id) DO UPDATE SET version = dashboard_versions.version + 1;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER dashboard_jobs AFTER UPDATE OF title ON jobs FOR EACH ROW EXECUTE FUNCTION dashboard_jobs_changed();

CREATE FUNCTION dashboard_clients_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO dashboard_versions (agency_id, owner_id, version)
        SELECT DISTINCT changed.a, COALESCE(changed.o, 0), 1 FROM (SELECT sl.agency_id AS a, sl.created_by AS o FROM shortlists sl JOIN jobs j ON j.id = sl.job_id WHERE j.agency_id = OLD.agency_id AND j.client_id = OLD.id) AS changed WHERE changed.a IS NOT NULL
        ON CONFLICT (agency_id, owner_id) DO UPDATE SET version = dashboard_versions.version + 1;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO dashboard_versions (agency_id, owner_id, version)
        SELECT DISTINCT changed.a, COALESCE(changed.o, 0), 1 FROM (SELECT sl.agency_id AS a, sl.created_by AS o FROM shortlists sl JOIN jobs j ON j.id = sl.job_id WHERE j.agency_id = NEW.agency_id AND j.client_id = NEW.id) AS changed WHERE changed.a IS NOT NULL
        ON CONFLICT (agency_id, owner_id) DO UPDATE SET version = dashboard_versions.version + 1;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER dashboard_clients AFTER UPDATE OF name ON clients FOR EACH ROW EXECUTE FUNCTION dashboard_clients_changed();

CREATE FUNCTION dashboard_pipeline_stages_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO dashboard_versions (agency_id, owner_id, version)
        SELECT DISTINCT changed.a, COALESCE(changed.o, 0), 1 FROM (SELECT s.agency_id AS a, s.owner_id AS o FROM submissions s WHERE s.agency_id = OLD.agency_id AND s.stage_id = OLD.id AND s.closed_at IS NULL) AS changed WHERE changed.a IS NOT NULL
        ON CONFLICT (agency_id, owner_id) DO UPDATE SET version = dashboard_versions.version + 1;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO dashboard_versions (agency_id, owner_id, version)
        SELECT DISTINCT changed.a, COALESCE(changed.o, 0), 1 FROM (SELECT s.agency_id AS a, s.owner_id AS o FROM submissions s WHERE s.agency_id = NEW.agency_id AND s.stage_id = NEW.id AND s.closed_at IS NULL) AS changed WHERE changed.a IS NOT NULL
        ON CONFLICT (agency_id, owner_id) DO UPDATE SET version = dashboard_versions.version + 1;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER dashboard_pipeline_stages AFTER UPDATE OF name ON pipeline_stages FOR EACH ROW EXECUTE FUNCTION dashboard_pipeline_stages_changed();

CREATE FUNCTION dashboard_users_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO dashboard_versions (agency_id, owner_id, version)
        SELECT DISTINCT changed.a, COALESCE(changed.o, 0), 1 FROM (SELECT OLD.agency_id AS a, OLD.id AS o) AS changed WHERE changed.a IS NOT NULL
        ON CONFLICT (agency_id, owner_id) DO UPDATE SET version = dashboard_versions.version + 1;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO dashboard_versions (agency_id, owner_id, version)
        SELECT DISTINCT changed.a, COALESCE(changed.o, 0), 1 FROM (SELECT NEW.agency_id AS a, NEW.id AS o) AS changed WHERE changed.a IS NOT NULL
        ON CONFLICT (agency_id, owner_id) DO UPDATE SET version = dashboard_versions.version + 1;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER dashboard_users AFTER UPDATE OF name ON users FOR EACH ROW EXECUTE FUNCTION dashboard_users_changed();
