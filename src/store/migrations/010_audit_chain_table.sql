-- The audit chain's links move out of audit_events into a table of their own (README "Audit log").
-- Sealing used to UPDATE every event row to give it seq, prev_hash and hash: a new version of a wide
-- row and an entry in each of the table's indexes, for every event the hub writes — a quarter of
-- PostgreSQL's work per document. Now an event row is written once and never touched again, and
-- sealing inserts one narrow row per event here.
CREATE TABLE audit_chain (
  seq       bigint PRIMARY KEY,          -- 1, 2, …: the event's place in the chain
  event_id  bigint NOT NULL UNIQUE,      -- audit_events.id (no foreign key: verification reports a missing event)
  digest    bytea NOT NULL,              -- SHA-256 of the event's canonical form
  prev_hash bytea NOT NULL,              -- the hash of the event before (zeros for seq 1)
  hash      bytea NOT NULL               -- SHA-256(prev_hash ‖ digest)
);

-- Event ids below the highest one sealed that had no committed event when a sealing pass went past
-- them: a write still in flight (sealed once it commits) or one rolled back (forgotten after the
-- late-commit window, LIENTHONG_AUDIT_LATE_COMMIT_MS). A handful of short ranges at any time.
CREATE TABLE audit_chain_gaps (
  lo      bigint PRIMARY KEY,
  hi      bigint NOT NULL CHECK (hi >= lo),
  seen_at timestamptz NOT NULL
);

INSERT INTO audit_chain (seq, event_id, digest, prev_hash, hash)
  SELECT seq, id, digest, prev_hash, hash FROM audit_events WHERE seq IS NOT NULL;

-- Events left unsealed below the highest sealed one become gaps (one range each), sealed on the next pass.
INSERT INTO audit_chain_gaps (lo, hi, seen_at)
  SELECT id, id, now() FROM audit_events
   WHERE seq IS NULL AND id < (SELECT coalesce(max(event_id), 0) FROM audit_chain);

DROP INDEX audit_events_seq;
DROP INDEX audit_events_unsealed;
ALTER TABLE audit_events DROP COLUMN seq, DROP COLUMN prev_hash, DROP COLUMN hash;
-- audit_events.digest stays: writers store it with the event so that sealing need not read the content.
