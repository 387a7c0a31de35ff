-- lienthong schema v1: the hub's source of truth. Redis only carries work derived from these rows.

-- Directory and routing, synchronised from the admin-authored config at boot.
CREATE TABLE agencies (
  code        text PRIMARY KEY,                 -- QCVN 102 form, e.g. 000.00.00.G22
  name        text NOT NULL,
  code_qd20   text,                             -- Decision 20/2020 form when known
  endpoint_id text,                             -- default endpoint; NULL = pull mode (inbox)
  updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE endpoints (
  id          text PRIMARY KEY,
  adapter     text NOT NULL,
  settings    jsonb NOT NULL,                   -- as authored: secrets stay ${ENV} placeholders
  retry       jsonb NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE routes (
  id          text PRIMARY KEY,
  position    integer NOT NULL,
  match       jsonb NOT NULL,
  endpoint_id text NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE api_keys (
  id          text PRIMARY KEY,
  key_hash    text NOT NULL UNIQUE,             -- SHA-256 hex of the key; the key itself is never stored
  agency_code text,
  role        text CHECK (role IN ('admin', 'operator', 'auditor')),
  label       text NOT NULL DEFAULT '',
  created_at  timestamptz NOT NULL DEFAULT now(),
  revoked_at  timestamptz,
  CHECK ((agency_code IS NULL) <> (role IS NULL))
);

CREATE TABLE messages (
  id                 uuid PRIMARY KEY,
  kind               text NOT NULL CHECK (kind IN ('document', 'status')),
  sender             text NOT NULL,
  recipients         text[] NOT NULL,
  document           jsonb,
  status             jsonb,
  related_message_id uuid REFERENCES messages (id),
  document_id        text,                      -- edXML DocumentId (documents only)
  content_sha256     text NOT NULL,
  idempotency_key    text,
  created_at         timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX messages_idempotency ON messages (sender, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE UNIQUE INDEX messages_document_id ON messages (sender, document_id) WHERE document_id IS NOT NULL;
CREATE INDEX messages_related ON messages (related_message_id) WHERE related_message_id IS NOT NULL;

CREATE TABLE attachments (
  message_id   uuid NOT NULL REFERENCES messages (id),
  idx          integer NOT NULL,
  name         text NOT NULL,
  content_type text NOT NULL,
  description  text,
  size         bigint NOT NULL,
  sha256       text NOT NULL,                   -- blob-store key
  PRIMARY KEY (message_id, idx)
);

-- Small attachment bytes, content-addressed, written in the same statement as their message (see
-- src/store/database-blobs.ts); larger ones are files in the blob folder.
CREATE TABLE blobs (
  sha256 text PRIMARY KEY,
  size   bigint NOT NULL,
  data   bytea NOT NULL
);
-- Attachments are mostly compressed already (PDF, ZIP): skip pglz's attempt, keep out-of-line storage.
ALTER TABLE blobs ALTER COLUMN data SET STORAGE EXTERNAL;

-- One row per message × recipient: the delivery state machine. No index mentions `state` or
-- `updated_at`, so the worker's `sending` mark is a HOT update (no index writes); the partial indexes
-- key on columns that change only when a delivery leaves the queue: `next_attempt_at` is NULL once
-- delivered or failed, `delivered_at` and `failed_at` are set then.
CREATE TABLE deliveries (
  id              uuid PRIMARY KEY,
  message_id      uuid NOT NULL REFERENCES messages (id),
  recipient       text NOT NULL,
  endpoint_id     text,                          -- NULL = pull mode (the recipient's inbox)
  state           text NOT NULL CHECK (state IN ('queued', 'sending', 'retrying', 'delivered', 'failed')),
  business_status text,                          -- latest recipient status code (01 … 16)
  attempts        integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz,                   -- when the queue should run it next (sweeper's clock)
  last_error      text,
  generation      integer NOT NULL DEFAULT 0,    -- bumped on replay: part of the job id
  cycle_started_at timestamptz NOT NULL,         -- start of the current retry cycle (acceptance or replay): the give-up window runs from here
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  delivered_at    timestamptz,
  failed_at       timestamptz,
  UNIQUE (message_id, recipient)
) WITH (fillfactor = 85);
CREATE INDEX deliveries_pending ON deliveries (next_attempt_at) WHERE next_attempt_at IS NOT NULL;
CREATE INDEX deliveries_inbox ON deliveries (recipient, created_at) WHERE endpoint_id IS NULL AND delivered_at IS NULL;
CREATE INDEX deliveries_failed ON deliveries (failed_at) WHERE failed_at IS NOT NULL;

CREATE TABLE delivery_attempts (
  id          bigserial PRIMARY KEY,
  delivery_id uuid NOT NULL REFERENCES deliveries (id),
  generation  integer NOT NULL DEFAULT 0,
  attempt     integer NOT NULL,
  started_at  timestamptz NOT NULL,
  finished_at timestamptz NOT NULL,
  outcome     text NOT NULL CHECK (outcome IN ('delivered', 'transient', 'permanent')),
  http_status integer,
  detail      text
);
CREATE UNIQUE INDEX delivery_attempts_delivery ON delivery_attempts (delivery_id, generation, attempt);

CREATE TABLE receipts (
  id          uuid PRIMARY KEY,
  message_id  uuid NOT NULL REFERENCES messages (id),
  delivery_id uuid REFERENCES deliveries (id),
  event       text NOT NULL CHECK (event IN ('accepted', 'delivered', 'status', 'failed')),
  status_code text,
  jws         text NOT NULL,
  created_at  timestamptz NOT NULL
);
-- A receipt (~2.5 KB: the x5c chain is in every JWS header) would cross the default 2 KB TOAST
-- threshold and pay a compression attempt per insert; keep rows up to a page inline instead.
ALTER TABLE receipts SET (toast_tuple_target = 8160);
CREATE INDEX receipts_message ON receipts (message_id, created_at);

CREATE TABLE audit_events (
  id          bigserial PRIMARY KEY,
  at          timestamptz NOT NULL,
  actor       text NOT NULL,                     -- agency code, key id, 'worker', 'sweeper', 'config'
  kind        text NOT NULL,                     -- e.g. message.accepted, delivery.delivered
  message_id  uuid,
  delivery_id uuid,
  data        jsonb NOT NULL DEFAULT '{}'::jsonb  -- never secrets
);
CREATE INDEX audit_events_message ON audit_events (message_id, id) WHERE message_id IS NOT NULL;
-- Append-only and time-ordered: a BRIN index answers the auditor's time ranges at almost no write cost.
CREATE INDEX audit_events_at ON audit_events USING brin (at);
