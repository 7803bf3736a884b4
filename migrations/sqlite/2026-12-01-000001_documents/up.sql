-- CVs and other documents: the file itself (so every instance and every backup has it), its
-- checks, and the text read from it. An agency's upload belongs to that agency's record
-- (agency_id + agency_contractor_id); a contractor's own upload belongs to their profile and is
-- seen by every agency linked to it.

CREATE TABLE documents (
    id INTEGER PRIMARY KEY,
    agency_id BIGINT REFERENCES agencies (id),
    agency_contractor_id BIGINT REFERENCES agency_contractors (id) ON DELETE CASCADE,
    profile_id BIGINT REFERENCES contractor_profiles (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('cv', 'certificate', 'reference', 'other')),
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    body BLOB NOT NULL,
    text_status TEXT NOT NULL CHECK (text_status IN ('pending', 'read', 'failed')),
    text_content TEXT,
    uploaded_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL,
    text_read_at TIMESTAMP,
    CHECK ((agency_id IS NOT NULL AND agency_contractor_id IS NOT NULL AND profile_id IS NULL)
        OR (agency_id IS NULL AND agency_contractor_id IS NULL AND profile_id IS NOT NULL))
);
CREATE INDEX documents_record_idx ON documents (agency_contractor_id, kind, created_at);
CREATE INDEX documents_profile_idx ON documents (profile_id, kind, created_at);

-- The search index gains the text of the current CV (an FTS5 table cannot add a column: it is
-- rebuilt with the same rows).
CREATE VIRTUAL TABLE contractor_search_new USING fts5(
    name, headline, summary, skills, notes, cv,
    tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO contractor_search_new (rowid, name, headline, summary, skills, notes, cv)
    SELECT rowid, name, headline, summary, skills, notes, '' FROM contractor_search;
DROP TABLE contractor_search;
ALTER TABLE contractor_search_new RENAME TO contractor_search;
