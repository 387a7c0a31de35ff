import type { Metrics } from '../metrics.js';
import { unavailableEndpoints, type LiveConfig } from './live-config.js';

/**
 * Keeps `lienthong_endpoint_unavailable` current: 1 for each endpoint in effect that this process
 * cannot use (see `EndpointConfig.unavailable`), now and after every configuration change. The
 * live configuration logs each such endpoint at error level as it puts a revision into effect.
 */
export function watchUnavailableEndpoints(live: Pick<LiveConfig, 'current' | 'onChange'>, metrics: Pick<Metrics, 'endpointUnavailable'>): void {
  const show = (): void => {
    metrics.endpointUnavailable.reset();
    for (const endpoint of unavailableEndpoints(live.current())) metrics.endpointUnavailable.set({ endpoint: endpoint.id }, 1);
  };
  show();
  live.onChange(show);
}
