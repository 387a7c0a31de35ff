/**
 * The axis operations the adapter speaks, as the SDK calls them (docs/domain-vn.md §3.3 and the
 * captures): every one is a `POST` to `<endpoint>/<name>` with its parameters in signed headers.
 * The body differs by SDK code path, byte for byte as captured: `sendEdoc` streams the packet and
 * `\r\n` as `application/octet-stream`; `getEdoc` and `updateStatus` (Apache HttpClient with an
 * entity) send `{}`; the list calls send nothing (`Content-Length: 0`). The three directory calls
 * were not captured apart from `getAgenciesList`; the other two use the same SDK code path.
 */
export const VDXP_OPERATIONS = {
  sendEdoc: { body: 'packet', contentType: 'application/octet-stream' },
  getReceivedEdocList: { body: 'none', contentType: 'application/json' },
  getEdoc: { body: 'empty-object', contentType: 'application/json' },
  updateStatus: { body: 'empty-object', contentType: 'application/json' },
  getSentEdocList: { body: 'none', contentType: 'application/json' },
  getAgenciesList: { body: 'none', contentType: 'application/json' },
  getAgenciesListQD20: { body: 'none', contentType: 'application/json' },
  getSynchronizeUnit: { body: 'none', contentType: 'application/json' },
} as const satisfies Record<string, { body: 'packet' | 'empty-object' | 'none'; contentType: string }>;

export type VdxpOperation = keyof typeof VDXP_OPERATIONS;

/** Every operation name, e.g. for the simulator's routing table. */
export const VDXP_OPERATION_NAMES = Object.freeze(Object.keys(VDXP_OPERATIONS) as VdxpOperation[]);

/** `servicetype` of document traffic (the only one the SDK examples use). */
export const SERVICE_TYPE_EDOC = 'eDoc';

/** `messagetype` values: a document packet or a business status packet. */
export const MESSAGE_TYPES = ['edoc', 'status'] as const;
export type VdxpMessageType = (typeof MESSAGE_TYPES)[number];

/** `updateStatus` values (SDK comments): transport receipt of a received packet. */
export const TRANSPORT_STATUSES = ['processing', 'done', 'fail'] as const;
export type VdxpTransportStatus = (typeof TRANSPORT_STATUSES)[number];

export function isMessageType(value: string | undefined): value is VdxpMessageType {
  return value === 'edoc' || value === 'status';
}
