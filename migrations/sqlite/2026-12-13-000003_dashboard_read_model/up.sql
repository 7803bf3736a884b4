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

CREATE TRIGGER dashboard_submissions_insert AFTER INSERT ON submissions BEGIN
    INSERT INTO dashboard_versions (agency_id, owner_id, version)
        SELECT DISTINCT changed.a, COALESCE(changed.o, 0), 1 FROM (SELECT NEW.agency_id AS a, NEW.owner_id AS o) AS changed WHERE changed.a IS NOT NULL
        ON CONFLICT (agency_id, owner_id) DO UPDATE SET version = dashboard_versions.version + 1;
    INSERT INTO dashboard_versions (agency_id, owner_id, version)
        SELECT DISTINCT changed.a, COALESCE(changed.o, 0), 1 FROM (SELECT sl.agency_id AS a, sl.created_by AS o FROM shortlist_entries e JOIN shortlists sl ON sl.id = e.shortlist_id WHERE e.submission_id = NEW.id) AS changed WHERE changed.a IS NOT NULL
        ON CONFLICT (agency_id, owner_id) DO UPDATE SET version = dashboard_versions.version + 1;
END;

CREATE TRIGGER dashboard_submissions_update AFTER UPDATE ON submissions BEGIN
    INSERT INTO dashboard_versions (agency_id, owner_id, version)
        SELECT DISTINCT changed.a, COALESCE(changed.o, 0), 1 FROM (SELECT OLD.agency_id AS a, OLD.owner_id AS o) AS changed WHERE changed.a IS NOT NULL
        ON CONFLICT (agency_id, owner_id) DO UPDATE SET version = dashboard_versions.version + 1;
    INSERT INTO dashboard_versions (agency_id, owner_id, version)
        SELECT DISTINCT changed.a, COALESCE(changed.o, 0), 1 FROM (SELECT sl.agency_id AS a, sl.created_by AS o FROM shortlist_entries e JOIN shortlists sl ON sl.id = e.shortlist_id WHERE e.submission_id = OLD.id) AS changed WHERE changed.a IS NOT NULL
        ON CONFLICT (agency_id, owner_id) DO UPDATE SET version = dashboard_versions.version + 1;
    INSERT INTO dashboard_versions (agency_id, owner_id, version)
        SELECT DISTINCT changed.a, COALESCE(changed.o, 0), 1 FROM (SELECT NEW.agency_id AS a, NEW.owner_id AS o) AS changed WHERE changed.a IS NOT NULL
        ON CONFLICT (agency_id, owner_id) DO UPDATE SET version = dashboard_versions.version + 1;
    INSERT INTO dashboard_versions (agency_id, owner_id, version)
        SELECT DISTINCT changed.a, COALESCE(changed.o, 0), 1 FROM (SELECT sl.agency_id AS a, sl.created_by AS o FROM shortlist_entries e JOIN shortlists sl ON sl.id = e.shortlist_id WHERE e.submission_id = NEW.id) AS changed WHERE changed.a IS NOT NULL
        ON CONFLICT (agency_id, owner_id) DO UPDATE SET version = dashboard_versions.version + 1;
END;

CREATE TRIGGER dashboard_submissions_delete AFTER DELETE ON submissions BEGIN
    INSERT INTO dashboard_versions (agency_id, owner_id, version)
        SELECT DISTINCT changed.a, COALESCE(changed.o, 0), 1 FROM (SELECT OLD.agency_id AS a, OLD.owner_id AS o) AS changed WHERE changed.a IS NOT NULL
        ON CONFLICT (agency_id, owner_id) DO UPDATE SET version = dashboard_versions.version + 1;
    INSERT INTO dashboard_versions (agency_id, owner_id, version)
        SELECT DISTINCT changed.a, COALESCE(changed.o, 0), 1 FROM (SELECT sl.agency_id AS a, sl.created_by AS o FROM shortlist_entries e JOIN shortlists sl ON sl.id = e.shortlist_id WHERE e.submission_id = OLD.id) AS changed WHERE changed.a IS NOT NULL
        ON CONFLICT (agency_id, owner_id) DO UPDATE SET version = dashboard_versions.version + 1;
END;

CREATE TRIGGER dashboard_consents_insert AFTER INSERT ON consents BEGIN
    INSERT INTO dashboard_versions (agency_id, owner_id, version)
        SELECT DISTINCT changed.a, COALESCE(changed.o, 0), 1 FROM (SELECT s.agency_id AS a, s.owner_id AS o FROM submissions s WHERE s.id = NEW.submission_id) AS changed WHERE changed.a IS NOT NULL
        ON CONFLICT (agency_id, owner_id) DO UPDATE SET version = dashboard_versions.version + 1;
END;

CREATE TRIGGER dashboard_consents_update AFTER UPDATE ON consents BEGIN
    INSERT INTO dashboard_versions (agency_id, owner_id, version)
        SELECT DISTINCT changed.a, COALESCE(changed.o, 0), 1 FROM (SELECT s.agency_id AS a, s.owner_id AS o FROM submissions s WHERE s.id = OLD.submission_id) AS changed WHERE changed.a IS NOT NULL
        ON CONFLICT (agency_id, owner_id) DO UPDATE SET version = dashboard_versions.version + 1;
    INSERT INTO dashboard_versions (agency_id, owner_id, version)
        SELECT DISTINCT changed.a, COALESCE(changed.o, 0), 1 FROM (SELECT s.agency_id AS a, s.owner_id AS o FROM submissions s WHERE s.id = NEW.submission_id) AS changed WHERE changed.a IS NOT NULL
        ON CONFLICT (agency_id, owner_id) DO UPDATE SET version = dashboard_versions.version + 1;
END;

CREATE TRIGGER dashboard_consents_delete AFTER DELETE ON consents BEGIN
    INSERT INTO dashboard_versions (agency_id, owner_id, version)
        SELECT DISTINCT changed.a, COALESCE(changed.o, 0), 1 FROM (SELECT s.agency_id AS a, s.owner_id AS o FROM submissions s WHERE s.id = OLD.submission_id) AS changed WHERE changed.a IS NOT NULL
        ON CONFLICT (agency_id, owner_id) DO UPDATE SET version = dashboard_versions.version + 1;
END;

CREATE TRIGGER dashboard_interviews_insert AFTER INSERT ON interviews BEGIN
    INSERT INTO dashboard_versions (agency_id, owner_id, version)
        SELECT DISTINCT changed.a, COALESCE(changed.o, 0), 1 FROM (SELECT s.agency_id AS a, s.owner_id AS o FROM submissions s WHERE s.id = NEW.submission_id) AS changed WHERE changed.a IS NOT NULL
        ON CONFLICT (agency_id, owner_id) DO UPDATE SET version = dashboard_versions.version + 1;
END;

CREATE TRIGGER dashboard_interviews_update AFTER UPDATE ON interviews BEGIN
    INSERT INTO dashboard_versions (agency_id, owner_id, version)
        SELECT DISTINCT changed.a, COALESCE(changed.o, 0), 1 FROM (SELECT s.agency_id AS a, s.owner_id AS o FROM submissions s WHERE s.id = OLD.submission_id) AS changed WHERE changed.a IS NOT NULL
        ON CONFLICT (agency_id, owner_id) DO UPDATE SET version = dashboard_versions.version + 1;
    INSERT INTO dashboard_versions (agency_id, owner_id, version)
        SELECT DISTINCT changed.a, COALESCE(changed.o, 0), 1 FROM (SELECT s.agency_id AS a, s.owner_id AS o FROM submissions s WHERE s.id = NEW.submission_id) AS changed WHERE changed.a IS NOT NULL
        ON CONFLICT (agency_id, owner_id) DO UPDATE SET version = dashboard_versions.version + 1;
END;

CREATE TRIGGER dashboard_interviews_delete AFTER DELETE ON interviews BEGIN
    INSERT INTO dashboard_versions (agency_id, owner_id, version)
        SELECT DISTINCT changed.a, COALESCE(changed.o, 0), 1 FROM (SELECT s.agency_id AS a, s.owner_id AS o FROM submissions s WHERE s.id = OLD.submission_id) AS changed WHERE changed.a IS NOT NULL
        ON CONFLICT (agency_id, owner_id) DO UPDATE SET version = dashboard_versions.version + 1;
END;

CREATE TRIGGER dashboard_placements_insert AFTER INSERT ON placements BEGIN
    INSERT INTO dashboard_versions (agency_id, owner_id, version)
        SELECT DISTINCT changed.a, COALESCE(changed.o, 0), 1 FROM (SELECT s.agency_id AS a, s.owner_id AS o FROM submissions s WHERE s.id = NEW.submission_id) AS changed WHERE changed.a IS NOT NULL
        ON CONFLICT (agency_id, owner_id) DO UPDATE SET version = dashboard_versions.version + 1;
    INSERT INTO dashboard_versions (agency_id, owner_id, version)
        SELECT DISTINCT changed.a, COALESCE(changed.o, 0), 1 FROM (SELECT c.agency_id AS a, c.owner_id AS o FROM agency_contractors c WHERE c.id = NEW.contractor_id) AS changed WHERE changed.a IS NOT NULL
        ON CONFLICT (agency_id, owner_id) DO UPDATE SET version = dashboard_versions.version + 1;
END;

CREATE TRIGGER dashboard_placements_update AFTER UPDATE ON placements BEGIN
    INSERT INTO dashboard_versions (agency_id, owner_id, version)
        SELECT DISTINCT changed.a, COALESCE(changed.o, 0), 1 FROM (SELECT s.agency_id AS a, s.owner_id AS o FROM submissions s WHERE s.id = OLD.submission_id) AS changed WHERE changed.a IS NOT NULL
        ON CONFLICT (agency_id, owner_id) DO UPDATE SET version = dashboard_versions.version + 1;
    INSERT INTO dashboard_versions (agency_id, owner_id, version)
        SELECT DISTINCT changed.a, COALESCE(changed.o, 0), 1 FROM (SELECT c.agency_id AS a, c.owner_id AS o FROM agency_contractors c WHERE c.id = OLD.contractor_id) AS changed WHERE changed.a IS NOT NULL
        ON CONFLICT (agency_id, owner_id) DO UPDATE SET version = dashboard_versions.version + 1;
    INSERT INTO dashboard_versions (agency_id, owner_id, version)
        SELECT DISTINCT changed.a, COALESCE(changed.o, 0), 1 FROM (SELECT s.agency_id AS a, s.owner_id AS o FROM submissions s WHERE s.id = NEW.submission_id) AS changed WHERE changed.a IS NOT NULL
        ON CONFLICT (agency_id, owner_id) DO UPDATE SET version = dashboard_versions.version + 1;
    INSERT INTO dashboard_versions (agency_id, owner_id, version)
        SELECT DISTINCT changed.a, COALESCE(changed.o, 0), 1 FROM (SELECT c.agency_id AS a, c.owner_id AS o FROM agency_contractors c WHERE c.id = NEW.contractor_id) AS changed WHERE changed.a IS NOT NULL
        ON CONFLICT (agency_id, owner_id) DO UPDATE SET version = dashboard_versions.version + 1;
END;

CREATE TRIGGER dashboard_placements_delete AFTER DELETE ON placements BEGIN
    INSERT INTO dashboard_versions (agency_id, owner_id, version)
        SELECT DISTINCT changed.a, COALESCE(changed.o, 0), 1 FROM (SELECT s.agency_id AS a, s.owner_id AS o FROM submissions s WHERE s.id = OLD.submission_id) AS changed WHERE changed.a IS NOT NULL
        ON CONFLICT (agency_id, owner_id) DO UPDATE SET version = dashboard_versions.version + 1;
    INSERT INTO dashboard_versions (agency_id, owner_id, version)
        SELECT DISTINCT changed.a, COALESCE(changed.o, 0), 1 FROM (SELECT c.agency_id AS a, c.owner_id AS o FROM agency_contractors c WHERE c.id = OLD.contractor_id) AS changed WHERE changed.a IS NOT NULL
        ON CONFLICT (agency_id, owner_id) DO UPDATE SET version = dashboard_versions.version + 1;
END;

CREATE TRIGGER dashboard_shortlists_insert AFTER INSERT ON shortlists BEGIN
    INSERT INTO dashboard_versions (agency_id, owner_id, version)
        SELECT DISTINCT changed.a, COALESCE(changed.o, 0), 1 FROM (SELECT NEW.agency_id AS a, NEW.created_by AS o) AS changed WHERE changed.a IS NOT NULL
        ON CONFLICT (agency_id, owner_id) DO UPDATE SET version = dashboard_versions.version + 1;
END;

CREATE TRIGGER dashboard_shortlists_update AFTER UPDATE ON shortlists BEGIN
    INSERT INTO dashboard_versions (agency_id, owner_id, version)
        SELECT DISTINCT changed.a, COALESCE(changed.o, 0), 1 FROM (SELECT OLD.agency_id AS a, OLD.created_by AS o) AS changed WHERE changed.a IS NOT NULL
        ON CONFLICT (agency_id, owner_id) DO UPDATE SET version = dashboard_versions.version + 1;
    INSERT INTO dashboard_versions (agency_id, owner_id, version)
        SELECT DISTINCT changed.a, COALESCE(changed.o, 0), 1 FROM (SELECT NEW.agency_id AS a, NEW.created_by AS o) AS changed WHERE changed.a IS NOT NULL
        ON CONFLICT (agency_id, owner_id) DO UPDATE SET version = dashboard_versions.version + 1;
END;

CREATE TRIGGER dashboard_shortlists_delete AFTER DELETE ON shortlists BEGIN
    INSERT INTO dashboard_versions (agency_id, owner_id, version)
        SELECT DISTINCT changed.a, COALESCE(changed.o, 0), 1 FROM (SELECT OLD.agency_id AS a, OLD.created_by AS o) AS changed WHERE changed.a IS NOT NULL
        ON CONFLICT (agency_id, owner_id) DO UPDATE SET version = dashboard_versions.version + 1;
END;

CREATE TRIGGER dashboard_shortlist_entries_insert AFTER INSERT ON shortlist_entries BEGIN
    INSERT INTO dashboard_versions (agency_id, owner_id, version)
        SELECT DISTINCT changed.a, COALESCE(changed.o, 0), 1 FROM (SELECT sl.agency_id AS a, sl.created_by AS o FROM shortlists sl WHERE sl.id = NEW.shortlist_id) AS changed WHERE changed.a IS NOT NULL
        ON CONFLICT (agency_id, owner_id) DO UPDATE SET version = dashboard_versions.version + 1;
END;

CREATE TRIGGER dashboard_shortlist_entries_update AFTER UPDATE ON shortlist_entries BEGIN
    INSERT INTO dashboard_versions (agency_id, owner_id, version)
        SELECT DISTINCT changed.a, COALESCE(changed.o, 0), 1 FROM (SELECT sl.agency_id AS a, sl.created_by AS o FROM shortlists sl WHERE sl.id = OLD.shortlist_id) AS changed WHERE changed.a IS NOT NULL
        ON CONFLICT (agency_id, owner_id) DO UPDATE SET version = dashboard_versions.version + 1;
    INSERT INTO dashboard_versions (agency_id, owner_id, version)
        SELECT DISTINCT changed.a, COALESCE(changed.o, 0), 1 FROM (SELECT sl.agency_id AS a, sl.created_by AS o FROM shortlists sl WHERE sl.id = NEW.shortlist_id) AS changed WHERE changed.a IS NOT NULL
        ON CONFLICT (agency_id, owner_id) DO UPDATE SET version = dashboard_versions.version + 1;
END;

CREATE TRIGGER dashboard_shortlist_entries_delete AFTER DELETE ON shortlist_entries BEGIN
    INSERT INTO dashboard_versions (agency_id, owner_id, version)
        SELECT DISTINCT changed.a, COALESCE(changed.o, 0), 1 FROM (SELECT sl.agency_id AS a, sl.created_by AS o FROM shortlists sl WHERE sl.id = OLD.shortlist_id) AS changed WHERE changed.a IS NOT NULL
        ON CONFLICT (agency_id, owner_id) DO UPDATE SET version = dashboard_versions.version + 1;
END;

CREATE TRIGGER dashboard_agency_contractors_insert AFTER INSERT ON agency_contractors BEGIN
    INSERT INTO dashboard_versions (agency_id, owner_id, version)
        SELECT DISTINCT changed.a, COALESCE(changed.o, 0), 1 FROM (SELECT NEW.agency_id AS a, NEW.owner_id AS o) AS changed WHERE changed.a IS NOT NULL
        ON CONFLICT (agency_id, owner_id) DO UPDATE SET version = dashboard_versions.version + 1;
    INSERT INTO dashboard_versions (agency_id, owner_id, version)
        SELECT DISTINCT changed.a, COALESCE(changed.o, 0), 1 FROM (SELECT s.agency_id AS a, s.owner_id AS o FROM submissions s WHERE s.agency_id = NEW.agency_id AND s.contractor_id = NEW.id AND s.closed_at IS NULL) AS changed WHERE changed.a IS NOT NULL
        ON CONFLICT (agency_id, owner_id) DO UPDATE SET version = dashboard_versions.version + 1;
END;

CREATE TRIGGER dashboard_agency_contractors_update AFTER UPDATE ON agency_contractors BEGIN
    INSERT INTO dashboard_versions (agency_id, owner_id, version)
        SELECT DISTINCT changed.a, COALESCE(changed.o, 0), 1 FROM (SELECT OLD.agency_id AS a, OLD.owner_id AS o) AS changed WHERE changed.a IS NOT NULL
        ON CONFLICT (agency_id, owner_id) DO UPDATE SET version = dashboard_versions.version + 1;
    INSERT INTO dashboard_versions (agency_id, owner_id, version)
        SELECT DISTINCT changed.a, COALESCE(changed.o, 0), 1 FROM (SELECT s.agency_id AS a, s.owner_id AS o FROM submissions s WHERE s.agency_id = OLD.agency_id AND s.contractor_id = OLD.id AND s.closed_at IS NULL) AS changed WHERE changed.a IS NOT NULL
        ON CONFLICT (agency_id, owner_id) DO UPDATE SET version = dashboard_versions.version + 1;
    INSERT INTO dashboard_versions (agency_id, owner_id, version)
        SELECT DISTINCT changed.a, COALESCE(changed.o, 0), 1 FROM (SELECT NEW.agency_id AS a, NEW.owner_id AS o) AS changed WHERE changed.a IS NOT NULL
        ON CONFLICT (agency_id, owner_id) DO UPDATE SET version = dashboard_versions.version + 1;
    INSERT INTO dashboard_versions (agency_id, owner_id, version)
        SELECT DISTINCT changed.a, COALESCE(changed.o, 0), 1 FROM (SELECT s.agency_id AS a, s.owner_id AS o FROM submissions s WHERE s.agency_id = NEW.agency_id AND s.contractor_id = NEW.id AND s.closed_at IS NULL) AS changed WHERE changed.a IS NOT NULL
        ON CONFLICT (agency_id, owner_id) DO UPDATE SET version = dashboard_versions.version + 1;
END;

CREATE TRIGGER dashboard_agency_contractors_delete AFTER DELETE ON agency_contractors BEGIN
    INSERT INTO dashboard_versions (agency_id, owner_id, version)
        SELECT DISTINCT changed.a, COALESCE(changed.o, 0), 1 FROM (SELECT OLD.agency_id AS a, OLD.owner_id AS o) AS changed WHERE changed.a IS NOT NULL
        ON CONFLICT (agency_id, owner_id) DO UPDATE SET version = dashboard_versions.version + 1;
    INSERT INTO dashboard_versions (agency_id, owner_id, version)
        SELECT DISTINCT changed.a, COALESCE(changed.o, 0), 1 FROM (SELECT s.agency_id AS a, s.owner_id AS o FROM submissions s WHERE s.agency_id = OLD.agency_id AND s.contractor_id = OLD.id AND s.closed_at IS NULL) AS changed WHERE changed.a IS NOT NULL
        ON CONFLICT (agency_id, owner_id) DO UPDATE SET version = dashboard_versions.version + 1;
END;

CREATE TRIGGER dashboard_tasks_insert AFTER INSERT ON tasks BEGIN
    INSERT INTO dashboard_versions (agency_id, owner_id, version)
        SELECT DISTINCT changed.a, COALESCE(changed.o, 0), 1 FROM (SELECT NEW.agency_id AS a, NEW.assignee_id AS o) AS changed WHERE changed.a IS NOT NULL
        ON CONFLICT (agency_id, owner_id) DO UPDATE SET version = dashboard_versions.version + 1;
END;

CREATE TRIGGER dashboard_tasks_update AFTER UPDATE ON tasks BEGIN
    INSERT INTO dashboard_versions (agency_id, owner_id, version)
        SELECT DISTINCT changed.a, COALESCE(changed.o, 0), 1 FROM (SELECT OLD.agency_id AS a, OLD.assignee_id AS o) AS changed WHERE changed.a IS NOT NULL
        ON CONFLICT (agency_id, owner_id) DO UPDATE SET version = dashboard_versions.version + 1;
    INSERT INTO dashboard_versions (agency_id, owner_id, version)
        SELECT DISTINCT changed.a, COALESCE(changed.o, 0), 1 FROM (SELECT NEW.agency_id AS a, NEW.assignee_id AS o) AS changed WHERE changed.a IS NOT NULL
        ON CONFLICT (agency_id, owner_id) DO UPDATE SET version = dashboard_versions.version + 1;
END;

CREATE TRIGGER dashboard_tasks_delete AFTER DELETE ON tasks BEGIN
    INSERT INTO dashboard_versions (agency_id, owner_id, version)
        SELECT DISTINCT changed.a, COALESCE(changed.o, 0), 1 FROM (SELECT OLD.agency_id AS a, OLD.assignee_id AS o) AS changed WHERE changed.a IS NOT NULL
        ON CONFLICT (agency_id, owner_id) DO UPDATE SET version = dashboard_versions.version + 1;
END;

CREATE TRIGGER dashboard_jobs_update AFTER UPDATE OF title ON jobs BEGIN
    INSERT INTO dashboard_versions (agency_id, owner_id, version)
        SELECT DISTINCT changed.a, COALESCE(changed.o, 0), 1 FROM (SELECT s.agency_id AS a, s.owner_id AS o FROM submissions s WHERE s.agency_id = OLD.agency_id AND s.job_id = OLD.id) AS changed WHERE changed.a IS NOT NULL
        ON CONFLICT (agency_id, owner_id) DO UPDATE SET version = dashboard_versions.version + 1;
    INSERT INTO dashboard_versions (agency_id, owner_id, version)
        SELECT DISTINCT changed.a, COALESCE(changed.o, 0), 1 FROM (SELECT sl.agency_id AS a, sl.created_by AS o FROM shortlists sl WHERE sl.agency_id = OLD.agency_id AND sl.job_id = OLD.id) AS changed WHERE changed.a IS NOT NULL
        ON CONFLICT (agency_id, owner_id) DO UPDATE SET version = dashboard_versions.version + 1;
    INSERT INTO dashboard_versions (agency_id, owner_id, version)
        SELECT DISTINCT changed.a, COALESCE(changed.o, 0), 1 FROM (SELECT s.agency_id AS a, s.owner_id AS o FROM submissions s WHERE s.agency_id = NEW.agency_id AND s.job_id = NEW.id) AS changed WHERE changed.a IS NOT NULL
        ON CONFLICT (agency_id, owner_id) DO UPDATE SET version = dashboard_versions.version + 1;
    INSERT INTO dashboard_versions (agency_id, owner_id, version)
        SELECT DISTINCT changed.a, COALESCE(changed.o, 0), 1 FROM (SELECT sl.agency_id AS a, sl.created_by AS o FROM shortlists sl WHERE sl.agency_id = NEW.agency_id AND sl.job_id = NEW.id) AS changed WHERE changed.a IS NOT NULL
        ON CONFLICT (agency_id, owner_id) DO UPDATE SET version = dashboard_versions.version + 1;
END;

CREATE TRIGGER dashboard_clients_update AFTER UPDATE OF name ON clients BEGIN
    INSERT INTO dashboard_versions (agency_id, owner_id, version)
        SELECT DISTINCT changed.a, COALESCE(changed.o, 0), 1 FROM (SELECT sl.agency_id AS a, sl.created_by AS o FROM shortlists sl JOIN jobs j ON j.id = sl.job_id WHERE j.agency_id = OLD.agency_id AND j.client_id = OLD.id) AS changed WHERE changed.a IS NOT NULL
        ON CONFLICT (agency_id, owner_id) DO UPDATE SET version = dashboard_versions.version + 1;
    INSERT INTO dashboard_versions (agency_id, owner_id, version)
        SELECT DISTINCT changed.a, COALESCE(changed.o, 0), 1 FROM (SELECT sl.agency_id AS a, sl.created_by AS o FROM shortlists sl JOIN jobs j ON j.id = sl.job_id WHERE j.agency_id = NEW.agency_id AND j.client_id = NEW.id) AS changed WHERE changed.a IS NOT NULL
        ON CONFLICT (agency_id, owner_id) DO UPDATE SET version = dashboard_versions.version + 1;
END;

CREATE TRIGGER dashboard_pipeline_stages_update AFTER UPDATE OF name ON pipeline_stages BEGIN
    INSERT INTO dashboard_versions (agency_id, owner_id, version)
        SELECT DISTINCT changed.a, COALESCE(changed.o, 0), 1 FROM (SELECT s.agency_id AS a, s.owner_id AS o FROM submissions s WHERE s.agency_id = OLD.agency_id AND s.stage_id = OLD.id AND s.closed_at IS NULL) AS changed WHERE changed.a IS NOT NULL
        ON CONFLICT (agency_id, owner_id) DO UPDATE SET version = dashboard_versions.version + 1;
    INSERT INTO dashboard_versions (agency_id, owner_id, version)
        SELECT DISTINCT changed.a, COALESCE(changed.o, 0), 1 FROM (SELECT s.agency_id AS a, s.owner_id AS o FROM submissions s WHERE s.agency_id = NEW.agency_id AND s.stage_id = NEW.id AND s.closed_at IS NULL) AS changed WHERE changed.a IS NOT NULL
        ON CONFLICT (agency_id, owner_id) DO UPDATE SET version = dashboard_versions.version + 1;
END;

CREATE TRIGGER dashboard_users_update AFTER UPDATE OF name ON users BEGIN
    INSERT INTO dashboard_versions (agency_id, owner_id, version)
        SELECT DISTINCT changed.a, COALESCE(changed.o, 0), 1 FROM (SELECT OLD.agency_id AS a, OLD.id AS o) AS changed WHERE changed.a IS NOT NULL
        ON CONFLICT (agency_id, owner_id) DO UPDATE SET version = dashboard_versions.version + 1;
    INSERT INTO dashboard_versions (agency_id, owner_id, version)
        SELECT DISTINCT changed.a, COALESCE(changed.o, 0), 1 FROM (SELECT NEW.agency_id AS a, NEW.id AS o) AS changed WHERE changed.a IS NOT NULL
        ON CONFLICT (agency_id, owner_id) DO UPDATE SET version = dashboard_versions.version + 1;
END;
