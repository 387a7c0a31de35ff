-- Tamper-evident audit log (README "Audit log"). Events are written as before, unsealed; the sealer
-- chains them in batches, in the order it finds them: seq (1, 2, …), the SHA-256 of the event's
-- canonical form (digest), the hash of the event before (prev_hash) and hash = SHA-256(prev_hash ‖ digest).
ALTER TABLE audit_events
  ADD COLUMN seq       bigint,
  ADD COLUMN digest    bytea,
  ADD COLUMN prev_hash bytea,
  ADD COLUMN hash      bytea;
CREATE UNIQUE INDEX audit_events_seq ON audit_events (seq) WHERE seq IS NOT NULL;
-- What the sealer has still to chain: small, and empty most of the time.
CREATE INDEX audit_events_unsealed ON audit_events (id) WHERE seq IS NULL;

-- The certificates that signed checkpoints, by key id: a checkpoint stays verifiable after rotation.
CREATE TABLE audit_signers (
  kid        text PRIMARY KEY,
  chain_pem  text NOT NULL,            -- signer first
  first_used timestamptz NOT NULL
);

-- Signed statements "the chain's hash at seq N is H": the anchor an auditor checks the chain against.
CREATE TABLE audit_checkpoints (
  seq        bigint PRIMARY KEY,        -- the last event the checkpoint covers
  hash       bytea NOT NULL,
  at         timestamptz NOT NULL,
  statement  bytea NOT NULL,            -- the exact signed bytes (canonical JSON)
  signature  bytea NOT NULL,            -- over statement: DER ECDSA or PKCS#1 v1.5, SHA-256 (openssl dgst -verify)
  kid        text NOT NULL REFERENCES audit_signers (kid),
  tsa_token  bytea,                     -- RFC 3161 TimeStampResp over statement, when a TSA is configured
  tsa_at     timestamptz
);
