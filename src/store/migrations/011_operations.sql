-- Operations (README "Operations"): endpoints an operator paused, and the index the failed-delivery
-- listing pages through.

-- An endpoint an operator paused: while its row exists, workers set its deliveries' jobs aside
-- without claiming or attempting them (src/queue/paused-endpoints.ts polls this table every 500 ms)
-- and the sweeper leaves them alone; resuming deletes the row and queues the waiting deliveries again,
-- oldest first (src/admin/endpoint-pause.ts). No foreign key to `endpoints`: the configuration may
-- drop and re-add an endpoint without touching an operator's decision.
CREATE TABLE endpoint_pauses (
  endpoint_id text PRIMARY KEY,
  paused_at   timestamptz NOT NULL,
  paused_by   text NOT NULL,                 -- the actor, as in audit events
  reason      text NOT NULL
);

-- Failed deliveries in keyset order (GET /v1/admin/deliveries?state=failed, bulk resend). Partial:
-- written only when a delivery fails, and `failed_at` is indexed already (001), so the worker's
-- other updates stay HOT.
CREATE INDEX deliveries_ops_failed ON deliveries (created_at, id) WHERE failed_at IS NOT NULL;
