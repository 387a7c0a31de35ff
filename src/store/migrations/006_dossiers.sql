-- Administrative-procedure dossiers (src/domain/dossier.ts, docs/domain-vn.md §4–6): filed by a one-stop
-- system, submitted to a ministry system, synced to the National Public Service Portal. What the hub
-- sends about a dossier travels as messages of kind 'dossier' (their deliveries, retries, receipts and
-- audit are the messages' own); a dossier's state and history live here.
ALTER TABLE messages DROP CONSTRAINT messages_kind_check;
ALTER TABLE messages ADD CONSTRAINT messages_kind_check CHECK (kind IN ('document', 'status', 'dossier'));
ALTER TABLE messages ADD COLUMN dossier jsonb;   -- the operation: { op, dossierId, number, step | status … }

CREATE TABLE dossiers (
  id               uuid PRIMARY KEY,
  number           text NOT NULL UNIQUE,        -- MaHoSo: <agency code>-<yyMMdd>-<seq>
  agency           text NOT NULL,               -- the one-stop system that filed it
  procedure_code   text NOT NULL,
  status           smallint NOT NULL CHECK (status BETWEEN 1 AND 10),
  target_system    text NOT NULL,
  target_endpoint  text NOT NULL,
  payload_type     text NOT NULL,
  submit_message   uuid NOT NULL,               -- the message that submits it to the target system
  system_status    text,                        -- the target system's own code, last seen
  data             jsonb NOT NULL,              -- procedure, applicant, channel, dates, fees, documents, target payload
  result           jsonb,                       -- what the target system returned, and its documents
  idempotency_key  text,
  created_at       timestamptz NOT NULL,
  updated_at       timestamptz NOT NULL
);
CREATE UNIQUE INDEX dossiers_idempotency ON dossiers (agency, idempotency_key) WHERE idempotency_key IS NOT NULL;
-- Result polling: the dossiers an endpoint took and has not finished with, oldest first.
CREATE INDEX dossiers_pending ON dossiers (target_endpoint, created_at) WHERE status NOT IN (3, 7, 8, 9, 10);
CREATE INDEX dossiers_by_agency ON dossiers (agency, created_at);

-- Every state change and processing step, in order: the dossier's history.
CREATE TABLE dossier_events (
  dossier_id  uuid NOT NULL REFERENCES dossiers (id),
  seq         integer NOT NULL,
  at          timestamptz NOT NULL,
  status      smallint NOT NULL CHECK (status BETWEEN 1 AND 10),
  source      text NOT NULL CHECK (source IN ('one-stop', 'target', 'hub')),
  step        jsonb NOT NULL,
  PRIMARY KEY (dossier_id, seq)
);

-- Numbers the hub gives dossiers filed without one: <agency>-<yyMMdd>-<seq>, seq per agency and day.
CREATE TABLE dossier_sequences (
  agency  text NOT NULL,
  day     text NOT NULL,                        -- yyMMdd, Asia/Ho_Chi_Minh
  last    integer NOT NULL,
  PRIMARY KEY (agency, day)
);

CREATE INDEX messages_by_dossier ON messages (((dossier ->> 'dossierId')::uuid)) WHERE dossier IS NOT NULL;
