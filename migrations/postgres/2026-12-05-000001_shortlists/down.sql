DROP TABLE shortlist_answers;
DROP TABLE shortlist_entries;
DROP TABLE shortlist_recipients;
DROP TABLE shortlists;
