CREATE VIRTUAL TABLE contractor_search_old USING fts5(
    name, headline, summary, skills, notes,
    tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO contractor_search_old (rowid, name, headline, summary, skills, notes)
    SELECT rowid, name, headline, summary, skills, notes FROM contractor_search;
DROP TABLE contractor_search;
ALTER TABLE contractor_search_old RENAME TO contractor_search;
DROP TABLE documents;
