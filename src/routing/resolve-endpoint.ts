import type { HubConfig, RouteConfig, RouteMatch } from '../config/hub-config.js';
import type { MessageKind } from '../domain/message.js';

export interface RoutingInput {
  kind: MessageKind;
  sender: string;
  recipient: string;
  documentType?: string;
}

/** Where one (message, recipient) pair goes: an endpoint id, or `null` for the recipient's inbox. */
export type RouteTarget = { endpointId: string; routeId?: string } | { endpointId: null };

function matches(match: RouteMatch, input: RoutingInput): boolean {
  return (
    (match.sender === undefined || match.sender === input.sender) &&
    (match.recipient === undefined || match.recipient === input.recipient) &&
    (match.kind === undefined || match.kind === input.kind) &&
    (match.documentType === undefined || match.documentType === input.documentType)
  );
}

/**
 * The first route whose criteria all hold wins; otherwise the recipient's own endpoint; otherwise
 * pull mode. Routes are few (tens); a linear scan beats an index here.
 */
export function resolveEndpoint(config: HubConfig, input: RoutingInput): RouteTarget {
  const route = matchingRoute(config, input);
  if (route) return { endpointId: route.endpoint, routeId: route.id };
  const own = config.agencies.get(input.recipient)?.endpoint;
  return own ? { endpointId: own } : { endpointId: null };
}

/** The first route whose criteria all hold, if any. */
export function matchingRoute(config: HubConfig, input: RoutingInput): RouteConfig | undefined {
  return config.routes.find((route) => matches(route.match, input));
}
