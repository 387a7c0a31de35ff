import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { isHubError, type ErrorCode } from '../../../../src/errors.js';
import type { EdxmlPacket } from '../../../../src/formats/edxml/edxml-packet.js';

export const FIXTURES = fileURLToPath(new URL('../../../fixtures/edxml/', import.meta.url));
export const VENDOR_DIR = `${FIXTURES}vendor/`;
export const BUILT_DIR = `${FIXTURES}built/`;

/** SHA-256 of each vendor sample as published (copied byte for byte, never edited). */
export const VENDOR_SHA256: Record<string, string> = {
  'edoc.edxml': '7e4a746b898d9b054749de74b58e7bd24c8b86287a3806653f06593adf9db5eb',
  'edoc_new.edxml': 'c0c5ffcc55803e20eea4c85933d2972dd7f4250dca35ee2be3f1aa97394eca05',
  'edoc_replacement.edxml': 'a33873274bed2df9d312ac36e61187cb2e63f84881f2cf301661dec78d9206da',
  'edoc_revocation.edxml': 'a97647bc2019aa1df8114e44cab85de7e98558f4799475ac03f4fbffccc9734a',
  'edoc_update.edxml': '90da13a57ed0e9a52280b620384dd33d9ca278f6fd7cb38e106a0cc7083cd9a7',
  'status.edxml': 'cc7bdd662415e725c750bf6c0e64c36a87ad21bf38d00a593f9f10203572747f',
  'status_acceptance_03.edxml': '228490b849c17774b997155a1e2d016f5ddb2dbeb33b77f474a77e4e121a214b',
  'status_assignment_04.edxml': 'f608aaa35d7815e925b97cb918c7324038f66fe9a996353dbedc3c6adc40e20d',
  'status_cancellation_13.edxml': '5fcb42cd63b9fa6783e4b2bf295fa803efc68efeb5f13d5d3deb2b6954a4f671',
  'status_change-acceptance_15.edxml': '3a78cb8b1dfc5bb68e4f8d0f41e3acad529e47ad4bec71a84a884f58ef7eafad',
  'status_change-rejection_16.edxml': '79bf18c4cf97976b19d46e124a1697df8ca1d166f666ba26aeb233dd244a1e96',
  'status_finish_06.edxml': '33734101a218f38f8e256a596117405c0b2035f14491befac3f1d491baa3ba24',
  'status_inbox_01.edxml': 'f51b0a8b927ea8c70e6c2b0e88ef55b86ca859f2030fbcbf090e2103e203e24e',
  'status_processing_05.edxml': '97be2e122f941cc40c8d794671e0526000c772fac93b67995737569fd017dd95',
  'status_rejection_02.edxml': '9d138f21689278de8b4184ddbb356f97ccea9ee8184b7f6b5bba450ec99ceb3b',
};

/** The vendor sample that is not well-formed (4 bytes before the declaration). */
export const MALFORMED_VENDOR_SAMPLE = 'edoc_new.edxml';

export const WELL_FORMED_VENDOR_SAMPLES = Object.keys(VENDOR_SHA256).filter((f) => f !== MALFORMED_VENDOR_SAMPLE);

export function vendorSample(name: string): Buffer {
  return readFileSync(VENDOR_DIR + name);
}

export function builtFixtureNames(): string[] {
  return readdirSync(BUILT_DIR).filter((f) => f.endsWith('.edxml')).sort();
}

/** Awaits `action` and asserts it failed with the coded hub error, its message matching `detail`. */
export async function expectHubError(action: Promise<unknown> | (() => unknown), code: ErrorCode, detail?: RegExp): Promise<Error> {
  let failure: unknown;
  try {
    await (typeof action === 'function' ? action() : action);
  } catch (err) {
    failure = err;
  }
  expect(failure, `expected ${code}`).toBeInstanceOf(Error);
  expect(isHubError(failure) ? failure.code : (failure as Error).message).toBe(code);
  if (detail) expect((failure as Error).message).toMatch(detail);
  return failure as Error;
}

/** The model without the signature summary: a signature is never rebuilt, everything else must survive. */
export function withoutSignature(packet: EdxmlPacket): EdxmlPacket {
  const { signature: _signature, ...rest } = packet;
  return rest as EdxmlPacket;
}
