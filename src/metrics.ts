import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The hub's Prometheus metrics, on a registry of its own (no global state). */
export interface Metrics {
  registry: Registry;
  messagesAccepted: Counter<'kind'>;
  deliveryAttempts: Counter<'endpoint' | 'outcome'>;
  deliveriesFinished: Counter<'endpoint' | 'state'>;
  acceptSeconds: Histogram<'route'>;
  acceptToDeliveredSeconds: Histogram<'endpoint'>;
  attemptSeconds: Histogram<'endpoint'>;
  circuitOpen: Gauge<'endpoint'>;
  sweeperRequeued: Counter;
  groupCommitBatch: Histogram<'writer'>;
  /** Packets a receive loop handed to intake, by the hub's answer (`accepted`, `duplicate`, `rejected`, `error`). */
  receivedPackets: Counter<'endpoint' | 'outcome'>;
  /** Poll jobs run (receive loop, directory sync), by result (`completed`, `failed`). */
  pollRuns: Counter<'endpoint' | 'job' | 'result'>;
  /** 1 while an operator has the endpoint paused (as this worker last read `endpoint_pauses`). */
  endpointPaused: Gauge<'endpoint'>;
  /** Jobs a worker set aside without an attempt because their endpoint was paused. */
  pausedJobsSetAside: Counter<'endpoint'>;
  /** Deliveries an operator resent: `replayed` (failed, new retry cycle) or `hastened` (retrying, attempted now). */
  deliveriesResent: Counter<'mode'>;
  /** Alerts raised (recorded, sent), by alert name. */
  alertsRaised: Counter<'alert'>;
  /** Repeats of an alert within its de-duplication window, counted instead of sent. */
  alertsSuppressed: Counter<'alert'>;
  /** Alert webhook attempts by result: `sent`, `retried`, `failed` (given up), `dropped` (backlog full or shutdown). */
  alertWebhook: Counter<'result'>;
  /** notAfter of each certificate the hub relies on, seconds since the epoch (set by the expiry check). */
  certificateExpiry: Gauge<'source' | 'subject' | 'serial'>;
  /** 1 while this process finds the audit log unwritable (the hub fails closed). */
  auditLogFailing: Gauge;
  /** Bytes of request bodies this API process holds against its budget (LIENTHONG_BODY_MEMORY). */
  bodyBytesInFlight: Gauge;
  /** Requests refused with 503 HUB_ERR_OVERLOADED because their body would go over the budget. */
  requestsShed: Counter;
  /** Audit exports (CSV / JSON Lines) this process is streaming. */
  auditExports: Gauge;
  /** 1 for each endpoint in effect that this process cannot use (its settings need environment variables it lacks). */
  endpointUnavailable: Gauge<'endpoint'>;
}

export function createMetrics(options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'lienthong_' });
  const registers = [registry];
  return {
    registry,
    messagesAccepted: new Counter({ name: 'lienthong_messages_accepted_total', help: 'Messages accepted', labelNames: ['kind'], registers }),
    deliveryAttempts: new Counter({ name: 'lienthong_delivery_attempts_total', help: 'Delivery attempts by outcome', labelNames: ['endpoint', 'outcome'], registers }),
    deliveriesFinished: new Counter({ name: 'lienthong_deliveries_finished_total', help: 'Deliveries that reached delivered or failed', labelNames: ['endpoint', 'state'], registers }),
    acceptSeconds: new Histogram({ name: 'lienthong_accept_seconds', help: 'Time to accept a message (request in → 202 out)', labelNames: ['route'], buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1], registers }),
    acceptToDeliveredSeconds: new Histogram({ name: 'lienthong_accept_to_delivered_seconds', help: 'Accepted → delivered', labelNames: ['endpoint'], buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 1, 10, 60, 600, 3600], registers }),
    attemptSeconds: new Histogram({ name: 'lienthong_attempt_seconds', help: 'Duration of one adapter attempt', labelNames: ['endpoint'], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1, 5, 30], registers }),
    circuitOpen: new Gauge({ name: 'lienthong_circuit_open', help: '1 while the endpoint circuit is open in this process', labelNames: ['endpoint'], registers }),
    sweeperRequeued: new Counter({ name: 'lienthong_sweeper_requeued_total', help: 'Deliveries re-enqueued because their job had vanished', registers }),
    groupCommitBatch: new Histogram({ name: 'lienthong_group_commit_batch_size', help: 'Items per group-commit transaction', labelNames: ['writer'], buckets: [1, 2, 5, 10, 20, 50, 100, 200], registers }),
    receivedPackets: new Counter({ name: 'lienthong_received_packets_total', help: 'Packets fetched from a polled system and handed to intake, by outcome', labelNames: ['endpoint', 'outcome'], registers }),
    pollRuns: new Counter({ name: 'lienthong_poll_runs_total', help: 'Poll jobs (receive loop, directory sync) run, by result', labelNames: ['endpoint', 'job', 'result'], registers }),
    endpointPaused: new Gauge({ name: 'lienthong_endpoint_paused', help: '1 while an operator has the endpoint paused', labelNames: ['endpoint'], registers }),
    pausedJobsSetAside: new Counter({ name: 'lienthong_paused_jobs_set_aside_total', help: 'Delivery jobs set aside without an attempt because their endpoint was paused', labelNames: ['endpoint'], registers }),
    deliveriesResent: new Counter({ name: 'lienthong_deliveries_resent_total', help: 'Deliveries resent by an operator: replayed (failed, new cycle) or hastened (retrying, attempted now)', labelNames: ['mode'], registers }),
    alertsRaised: new Counter({ name: 'lienthong_alerts_total', help: 'Alerts raised (recorded and sent), by alert', labelNames: ['alert'], registers }),
    alertsSuppressed: new Counter({ name: 'lienthong_alerts_suppressed_total', help: 'Repeats of an alert within its de-duplication window, not sent', labelNames: ['alert'], registers }),
    alertWebhook: new Counter({ name: 'lienthong_alert_webhook_total', help: 'Alert webhook attempts by result (sent, retried, failed, dropped)', labelNames: ['result'], registers }),
    certificateExpiry: new Gauge({ name: 'lienthong_certificate_expiry_timestamp_seconds', help: 'notAfter of each certificate the hub relies on (signing chain, trust anchors, TLS, TSA CA)', labelNames: ['source', 'subject', 'serial'], registers }),
    auditLogFailing: new Gauge({ name: 'lienthong_audit_log_failing', help: '1 while this process finds the audit log unwritable (the hub fails closed)', registers }),
    bodyBytesInFlight: new Gauge({ name: 'lienthong_request_body_bytes_in_flight', help: 'Bytes of request bodies this API process holds against LIENTHONG_BODY_MEMORY', registers }),
    requestsShed: new Counter({ name: 'lienthong_requests_shed_total', help: 'Requests refused with 503 HUB_ERR_OVERLOADED (their body would go over LIENTHONG_BODY_MEMORY)', registers }),
    auditExports: new Gauge({ name: 'lienthong_audit_exports', help: 'Audit exports (CSV / JSON Lines) this process is streaming', registers }),
    endpointUnavailable: new Gauge({ name: 'lienthong_endpoint_unavailable', help: '1 while an endpoint in effect cannot be used by this process (its settings need environment variables the process lacks)', labelNames: ['endpoint'], registers }),
  };
}
