-- lienthong schema v2: agency directories of external systems (the national axis serves ~111,000
-- agencies), synchronised in full or incrementally (src/directory/). Apart from `agencies`, which
-- holds the hub's own configured agencies. Keys are in the "C" collation: byte order, the same on
-- PGlite and on any server whatever its locale, and prefix conditions can use the B-tree indexes.

CREATE TABLE directory_agencies (
  source      text COLLATE "C" NOT NULL,     -- which directory: the id of the endpoint it came from
  id          text COLLATE "C" NOT NULL,     -- the directory's own id (axis `id`)
  parent_id   text COLLATE "C",              -- axis `pid`
  code102     text COLLATE "C",              -- QCVN 102:2016 form, e.g. 000.00.00.H41
  code_qd20   text COLLATE "C",              -- Decision 20/2020 form, e.g. H41
  name        text NOT NULL,
  search_name text COLLATE "C" NOT NULL,     -- the name folded by src/directory/search-name.ts: a-z0-9 words, one space apart
  mail        text,
  deleted     boolean NOT NULL DEFAULT false,  -- no longer in the directory (kept: old codes still resolve in history)
  modified_at timestamptz,                   -- when the directory says the agency last changed
  synced_at   timestamptz NOT NULL,          -- when the hub last wrote a change to this row (unchanged rows are not rewritten)
  PRIMARY KEY (source, id)
);

-- Each code belongs to at most one live agency of a source (deleted agencies keep their codes, which
-- may be reissued). A sync writes in an order that keeps this true after every statement, so codes
-- can move between agencies (src/directory/write-directory-plan.ts). The indexes lead with the code:
-- they also serve lookups by code.
CREATE UNIQUE INDEX directory_agencies_code102 ON directory_agencies (code102, source) WHERE code102 IS NOT NULL AND NOT deleted;
CREATE UNIQUE INDEX directory_agencies_code_qd20 ON directory_agencies (code_qd20, source) WHERE code_qd20 IS NOT NULL AND NOT deleted;

-- Listing order and keyset paging of live agencies: (search_name, source, id).
CREATE INDEX directory_agencies_list ON directory_agencies (search_name, source, id) WHERE NOT deleted;

-- Name search: every word of the query starts a word of the folded name. Full-text search with the
-- built-in `simple` configuration is core PostgreSQL, so PGlite has it too (pg_trgm is an extension
-- PGlite only loads when asked to at start). A sync merges the index's pending list when it ends.
CREATE INDEX directory_agencies_words ON directory_agencies USING gin (to_tsvector('simple', search_name)) WHERE NOT deleted;

-- When each directory was last synchronised.
CREATE TABLE directory_syncs (
  source       text COLLATE "C" PRIMARY KEY,
  full_sync_at timestamptz,                  -- last replaceDirectory
  changes_at   timestamptz                   -- last applyDirectoryChanges
);
