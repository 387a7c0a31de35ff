import type { Adapter } from '../adapters/adapter-contract.js';
import type { OutboundGuard } from '../net/outbound-guard.js';

/** What the check reads of an endpoint: its adapter and its settings (`${ENV}` placeholders substituted). */
export interface EndpointSettingsToCheck {
  adapter: string;
  settings: unknown;
}

/** A JSON Schema node, as far as the walk reads it. */
interface SchemaNode {
  format?: string;
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
}

/**
 * Every URL setting of every endpoint whose host the guard refuses before any lookup: a literal
 * private, loopback, link-local … address, or `localhost`. URL settings are found in each adapter's
 * own settings schema, not listed here: a declared property of `format: uri`, or whose name ends
 * in `url` (`tokenUrl`, `providerurl`) — not free-form maps such as `headers`. Host names are
 * judged again at connect time (what they resolve to). A problem names the setting's JSON pointer
 * and the host — never the URL, which may carry credentials.
 */
export function checkOutboundUrls(endpoints: readonly EndpointSettingsToCheck[], adapters: Readonly<Record<string, Adapter<unknown> | undefined>>, guard: OutboundGuard): string[] {
  const problems: string[] = [];
  endpoints.forEach((endpoint, i) => {
    const adapter = adapters[endpoint.adapter];
    if (!adapter) return; // reported by the settings check
    walk(adapter.settingsSchema as SchemaNode, endpoint.settings, `/endpoints/${i}/settings`, guard, problems);
  });
  return problems;
}

// Follows the schema, never the value alone: as deep as the schema goes, however deep the value.
function walk(schema: SchemaNode | undefined, value: unknown, pointer: string, guard: OutboundGuard, problems: string[]): void {
  if (!schema) return;
  if (Array.isArray(value)) {
    value.forEach((item, i) => walk(schema.items, item, `${pointer}/${i}`, guard, problems));
    return;
  }
  if (value === null || typeof value !== 'object') return;
  for (const [key, child] of Object.entries(value)) {
    const childSchema = schema.properties?.[key];
    const at = `${pointer}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`;
    if (typeof child === 'string') {
      if (childSchema && (childSchema.format === 'uri' || /url$/i.test(key))) {
        const problem = urlProblem(child, guard);
        if (problem) problems.push(`${at} ${problem}`);
      }
    } else {
      walk(childSchema, child, at, guard, problems);
    }
  }
}

function urlProblem(text: string, guard: OutboundGuard): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return undefined; // not a URL: the schema says so
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  const reason = guard.hostRefusal(url.hostname);
  return reason === undefined ? undefined : `host ${reason}`;
}
