import type { Logger } from 'pino';
import type { Metrics } from '../metrics.js';
import type { AlertSink } from './alert.js';
import { certificateExpiringAlert } from './alert-catalogue.js';
import { expiringCertificates, readCertificateSources, type CertificateSource, type ExpiringCertificate } from './certificate-expiry.js';

export interface CertificateWatch {
  /** One check now: the certificates within the window (each also raised as an alert). */
  checkNow(): Promise<ExpiringCertificate[]>;
  stop(): Promise<void>;
}

/**
 * Checks the certificates the hub relies on at boot and every `everyMs` (hourly by default): each
 * one's `notAfter` goes to `lienthong_certificate_expiry_timestamp_seconds`, and each within
 * `withinDays` (or expired) raises `certificate-expiring` — once a day per certificate (the alert's
 * window), however many processes check.
 */
export function startCertificateWatch(opts: {
  sources: readonly CertificateSource[]; withinDays: number; everyMs: number;
  alerts: AlertSink; metrics: Pick<Metrics, 'certificateExpiry'>; log: Logger; now: () => Date;
}): CertificateWatch {
  let running: Promise<unknown> | undefined;
  const checkNow = async (): Promise<ExpiringCertificate[]> => {
    const { certificates, problems } = await readCertificateSources(opts.sources);
    for (const problem of problems) opts.log.warn({ problem }, 'certificate expiry check: a source cannot be read');
    for (const { source, cert } of certificates) {
      opts.metrics.certificateExpiry.set({ source, subject: cert.subject.split('\n').join(', '), serial: cert.serialNumber }, Math.floor(new Date(cert.validTo).getTime() / 1000));
    }
    const expiring = expiringCertificates(certificates, opts.now(), opts.withinDays);
    for (const c of expiring) opts.alerts.raise(certificateExpiringAlert(c));
    return expiring;
  };
  const tick = (): void => {
    if (running) return;
    running = checkNow()
      .catch((err: unknown) => opts.log.error({ err }, 'certificate expiry check failed'))
      .finally(() => { running = undefined; });
  };
  const timer = setInterval(tick, opts.everyMs);
  timer.unref();
  tick();
  return {
    checkNow,
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
