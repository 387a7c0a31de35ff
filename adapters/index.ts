import type { Adapter, AdapterId, AdapterTable } from '../src/adapters/adapter-contract.js';
import { civilRegistryAdapter } from './civil-registry/index.js';
import { httpEndpointAdapter } from './http-endpoint/index.js';
import { judicialRecordsAdapter } from './judicial-records/index.js';
import { dvcqgAdapter } from './dvcqg/index.js';
import { vdxpAdapter } from './vdxp/index.js';

/**
 * An adapter whose settings type has been forgotten: what code that picks an adapter by id at run
 * time (the worker, config validation) holds. Every `Adapter<S>` is assignable to it because
 * `Settings` appears only covariantly (`conformance.settingsFor` returns it; `ctx.endpoint.settings`
 * is a plain property, which TypeScript compares covariantly) and in `deliver`'s parameter, which TypeScript checks bivariantly because
 * `deliver` is declared with method syntax. Settings reach `deliver` validated by the adapter's own
 * `settingsSchema` at config load, which is what makes handing it `unknown` settings sound.
 * (`Adapter<never>` would not do: `settingsFor` returning `HttpEndpointSettings` is not `never`.)
 */
export type AnyAdapter = AdapterTable[AdapterId];

/**
 * Every adapter the hub knows, by id: an explicit table, no directory scanning. `satisfies
 * AdapterTable` checks that each `AdapterId` has exactly one row and each row is an adapter (so the
 * table can be handed to the core as an `AdapterTable`), while the table keeps each row's own type
 * (`adapters['http-endpoint']` is an `Adapter<HttpEndpointSettings>`).
 */
export const adapters = Object.freeze({
  'http-endpoint': httpEndpointAdapter,
  vdxp: vdxpAdapter,
  dvcqg: dvcqgAdapter,
  'civil-registry': civilRegistryAdapter,
  'judicial-records': judicialRecordsAdapter,
} as const satisfies AdapterTable);

/** The settings type of adapter `Id`, recovered from its row. */
export type AdapterSettings<Id extends AdapterId> = (typeof adapters)[Id] extends Adapter<infer Settings> ? Settings : never;

/** Every adapter id, in table order. */
export const adapterIds: readonly AdapterId[] = Object.freeze(Object.keys(adapters) as AdapterId[]);

/** The adapter for `id`, with its settings type erased (see {@link AnyAdapter}). */
export function adapterFor(id: AdapterId): AnyAdapter {
  return adapters[id];
}
