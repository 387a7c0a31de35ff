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
