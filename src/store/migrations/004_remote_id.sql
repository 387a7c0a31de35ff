-- The id the external system gave a delivered packet (the axis DocId): what to ask it about later
-- (GET /v1/messages/:id/progress). Also in the delivery.delivered audit event, as before.
ALTER TABLE deliveries ADD COLUMN remote_id text;
