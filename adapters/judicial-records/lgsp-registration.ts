import type { Dossier } from '../../src/domain/dossier.js';
import { formatLltpDate } from './lltp-dates.js';
import type { JudicialRecordPayload } from './payload.js';
import type { ResolvedLgspSettings } from './settings.js';

/** Names of the three form objects in `nhanHoSoDangKy` (see the `formKeys` setting). */
const FORM_KEYS = {
  ws: { declaration: 'declarationWSForm', residence: 'residenceWSForm', mandator: 'mandatorWSForm' },
  plain: { declaration: 'declarationForm', residence: 'residenceForm', mandator: 'mandatorForm' },
} as const;

/**
 * `idReceivedDec` of a dossier: its number (`000.00.00.H56-261206-0002`), or with `date-sequence` its
 * last two groups joined (`2612060002`, what the Thanh Hóa one-stop code sends). `undefined` when the
 * number has not the `<agency>-<yyMMdd>-<seq>` shape that form needs.
 */
export function receiptNumberOf(number: string, form: ResolvedLgspSettings['receiptNumber']): string | undefined {
  if (form === 'number') return number;
  const groups = number.split('-');
  return groups.length === 3 && /^\d{6}$/.test(groups[1] ?? '') && /^\d+$/.test(groups[2] ?? '') ? `${groups[1]}${groups[2]}` : undefined;
}

/**
 * The `nhanHoSoDangKy` body (docs/domain-vn.md §6.1): the envelope from the endpoint (`idMinistryJustice`)
 * and the dossier (`idReceivedDec`, `dateReceivedDec`, `datePromissoryDec` in Vietnam's calendar), and
 * the payload's forms as they are. Pure; `problem` when the dossier cannot make one.
 */
export function buildRegistration(dossier: Pick<Dossier, 'number' | 'receivedAt' | 'dueAt'>, payload: JudicialRecordPayload, settings: ResolvedLgspSettings): { body: Record<string, unknown> } | { problem: string } {
  const idReceivedDec = receiptNumberOf(dossier.number, settings.receiptNumber);
  if (idReceivedDec === undefined) return { problem: `dossier number ${JSON.stringify(dossier.number)} has no <agency>-<yyMMdd>-<seq> form for receiptNumber date-sequence` };
  const dateReceivedDec = formatLltpDate(dossier.receivedAt);
  if (dateReceivedDec === undefined) return { problem: `dossier receivedAt ${JSON.stringify(dossier.receivedAt)} is not a time` };
  const datePromissoryDec = dossier.dueAt === undefined ? undefined : formatLltpDate(dossier.dueAt);
  const keys = FORM_KEYS[settings.formKeys];
  const body = {
    idMinistryJustice: settings.idMinistryJustice,
    idReceivedDec,
    dateReceivedDec,
    ...(datePromissoryDec !== undefined && { datePromissoryDec }),
    ...(payload.idMoneyReceipt !== undefined && { idMoneyReceipt: payload.idMoneyReceipt }),
    [keys.declaration]: payload.declarationWSForm,
    [keys.residence]: payload.residenceWSForm,
    ...(payload.mandatorWSForm !== undefined && { [keys.mandator]: payload.mandatorWSForm }),
  };
  return { body };
}
