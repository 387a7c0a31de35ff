-- edXML (QCVN 102:2016): what the hub keeps to relay a packet faithfully and to prove what it forwarded.
ALTER TABLE messages
  -- How the sender submitted it: the JSON API or an edXML packet (API or a polled axis).
  ADD COLUMN source_format text NOT NULL DEFAULT 'json' CHECK (source_format IN ('json', 'edxml')),
  -- edXML BussinessDocType: 0 new, 1 revoke, 2 update, 3 replace (related_message_id = the earlier message).
  ADD COLUMN business_type smallint NOT NULL DEFAULT 0 CHECK (business_type BETWEEN 0 AND 3),
  -- The packet's header as received (organ details, trace headers, Bussiness, OtherInfo …), never attachments.
  ADD COLUMN edxml jsonb,
  -- What verifying the incoming packet's XML signature found (status, signer, algorithm), per the route policy.
  ADD COLUMN signature_check jsonb;

-- A document id identifies a new document; a revoke, update or replace may repeat it (its
-- Bussiness/DocumentId names the earlier one), so those are told apart by their content instead.
DROP INDEX messages_document_id;
CREATE UNIQUE INDEX messages_document_id ON messages (sender, document_id) WHERE document_id IS NOT NULL AND business_type = 0;
CREATE UNIQUE INDEX messages_business_content ON messages (sender, business_type, content_sha256) WHERE business_type <> 0;
CREATE INDEX messages_by_document_id ON messages (document_id) WHERE document_id IS NOT NULL;

-- The hub's enveloped XML signature over a message's edXML as forwarded. With the stored message it
-- rebuilds the exact bytes every recipient received (the builder is deterministic; the signature,
-- ECDSA being randomised, is what must be kept).
CREATE TABLE forwarded_packets (
  message_id    uuid PRIMARY KEY REFERENCES messages (id),
  signature_xml text NOT NULL,
  sha256        text NOT NULL,       -- of the whole packet as forwarded
  size          bigint NOT NULL,
  created_at    timestamptz NOT NULL
);
