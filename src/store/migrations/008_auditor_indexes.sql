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

-- Audit events in time order. The BRIN index on `at` (001) cannot return rows in order, which a
-- keyset page needs; this one answers time ranges too, so the BRIN index goes (the sealer's update of
-- every event would write an entry into it for nothing).
CREATE INDEX audit_events_audit_time ON audit_events (at, id);
DROP INDEX audit_events_at;
-- Events of one kind in time order — except the kinds every message writes (nine events in ten): a
-- page of those is a short walk of the time index anyway (one row in three or four is one), and
-- leaving them out keeps this index small and off the intake path. The audit chain's sealer updates
-- every event (its seq), writing an entry into every index of the table again: this one skips those
-- too. The kinds that are rare, and that an auditor looks for (delivery.failed, delivery.replayed,
-- config.synced, dossier.* …), are all in it, and so will be any kind added later.
CREATE INDEX audit_events_audit_kind ON audit_events (kind COLLATE "C", at, id)
  WHERE kind COLLATE "C" NOT IN ('message.accepted', 'message.edxml', 'delivery.queued', 'delivery.awaiting-pull', 'delivery.delivered');
-- A dossier's own events (dossier.filed, dossier.status) carry no message id: find them by the
-- dossier id in their data. Partial: no other event pays for it.
CREATE INDEX audit_events_audit_dossier ON audit_events (((data ->> 'dossierId') COLLATE "C")) WHERE kind LIKE 'dossier.%';
