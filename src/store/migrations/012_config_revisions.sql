-- Versioned configuration (README "Administration"): every revision of the admin-authored document
-- — agencies, endpoints, routes and the rest of the config file — with who made it, when and what
-- changed. The newest revision is the configuration in effect; every process polls its version and
-- reloads without a restart. The config file seeds revision 1 and is imported again as a new
-- revision whenever its bytes change.
CREATE TABLE config_revisions (
  version     bigint PRIMARY KEY,
  at          timestamptz NOT NULL,
  actor       text NOT NULL,                 -- admin:<key id>, console:<account id>, config-file
  source      text NOT NULL CHECK (source IN ('file', 'api')),
  file_sha256 text NOT NULL,                 -- the config file this revision descends from
  entity      text NOT NULL CHECK (entity IN ('file', 'agency', 'endpoint', 'route')),
  entity_id   text NOT NULL,                 -- agency code, endpoint id, route id; the file's name for imports
  action      text NOT NULL CHECK (action IN ('imported', 'created', 'updated', 'disabled', 'enabled')),
  changes     jsonb NOT NULL,                -- [{ path, before, after }]; secret values never appear here
  document    jsonb NOT NULL                 -- the whole authored configuration (placeholders as written)
);
-- History of one agency, endpoint or route, newest first.
CREATE INDEX config_revisions_entity ON config_revisions (entity, entity_id, version DESC);
