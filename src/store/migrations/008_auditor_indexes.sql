-- The auditor API (src/auditor/, GET /v1/audit/deliveries and /v1/audit/events): keyset pages in time
-- order, newest or oldest first, on tables of millions of rows. Every index here is written on the
-- hub's hot path, so only the filters that cannot be answered otherwise get one; the others (delivery
-- state, adapter, document notation alone, an event's agency) are checked on the rows an index
-- range yields (README "Auditor queries" has the cost of each). None mentions a column a delivery
-- changes after it is written (state, attempts, updated_at …): the worker's updates stay HOT. Text
-- keys are in the "C" collation (byte order; the queries say COLLATE "C"): equality is the same in
-- every deterministic collation, and comparing bytes costs far less per insert than a locale's rules
-- (a server initialised with vi_VN.UTF-8 or en_US.UTF-8 would otherwise pay them on every insert).

-- Deliveries in time order: no filter, a time range, state and adapter checked on the way. A delivery
-- is written with its message and the same created_at (src/store/write-new-messages.ts).
CREATE INDEX deliveries_audit_time ON deliveries (created_at, id);
-- Deliveries to an agency, in time order.
CREATE INDEX deliveries_audit_recipient ON deliveries (recipient COLLATE "C", created_at, id);
-- Messages from an agency, in time order: the sender side of a delivery's agency filter (its
-- deliveries come through the UNIQUE (message_id, recipient) index).
CREATE INDEX messages_audit_sender ON messages (sender COLLATE "C", created_at);
-- A document by its number (số), then notation (ký hiệu): Decree 30/2020 metadata, edXML Code.
CREATE INDEX messages_audit_document_code ON messages (((document ->> 'number') COLLATE "C"), ((document ->> 'notation') COLLATE "C"))
  WHERE document IS NOT NULL;

-- Audit events in time order, and of one kind in time order. The BRIN index on `at` (001) cannot
-- return rows in order, which a keyset page needs.
CREATE INDEX audit_events_audit_time ON audit_events (at, id);
CREATE INDEX audit_events_audit_kind ON audit_events (kind COLLATE "C", at, id);
-- A dossier's own events (dossier.filed, dossier.status) carry no message id: find them by the
-- dossier id in their data. Partial: no other event pays for it.
CREATE INDEX audit_events_audit_dossier ON audit_events (((data ->> 'dossierId') COLLATE "C")) WHERE kind LIKE 'dossier.%';
