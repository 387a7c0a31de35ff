import { describe, expect, it } from 'vitest';
import { loadEnv } from '../../../src/config/load-env.js';
import { isHubError } from '../../../src/errors.js';
import { parseOutboundAllowance } from '../../../src/net/outbound-allowance.js';
import { createOutboundGuard } from '../../../src/net/outbound-guard.js';
import { createSchemaCatalogue } from '../../../src/schema-catalogue.js';

const strict = createOutboundGuard();
const guardAllowing = (text: string) => createOutboundGuard(parseOutboundAllowance(text));

describe('outbound guard: what is refused unless allowed', () => {
  it.each([
    ['0.0.0.0', 'unspecified'], ['0.1.2.3', 'unspecified'],
    ['10.0.0.1', 'private'], ['172.16.5.4', 'private'], ['172.31.255.255', 'private'], ['192.168.1.1', 'private'],
    ['100.64.0.1', 'carrier-grade NAT'], ['100.127.255.254', 'carrier-grade NAT'],
    ['127.0.0.1', 'loopback'], ['127.255.255.254', 'loopback'],
    ['169.254.169.254', 'link-local'],
    ['224.0.0.1', 'multicast'], ['239.255.255.250', 'multicast'],
    ['255.255.255.255', 'reserved'], ['240.0.0.1', 'reserved'],
    ['192.0.2.10', 'documentation'], ['198.18.0.1', 'benchmarking'],
    ['::', 'unspecified'], ['::1', 'loopback'],
    ['fc00::1', 'unique local'], ['fd12:3456::1', 'unique local'],
    ['fe80::1', 'link-local'], ['febf::1', 'link-local'], ['fec0::1', 'site-local'],
    ['ff02::1', 'multicast'],
    // IPv4-mapped: judged as the IPv4 address they carry.
    ['::ffff:127.0.0.1', 'loopback'], ['::ffff:a9fe:a9fe', 'link-local'], ['::ffff:10.1.2.3', 'private'],
    ['2002:7f00:1::1', 'tunnel'], ['2001:0:4136:e378::1', 'tunnel'], ['2001:db8::1', 'documentation'],
  ])('%s (%s)', (address, kind) => {
    expect(strict.refusal(address)).toBe(`${address} (${kind}) is refused unless LIENTHONG_OUTBOUND_ALLOW allows it`);
  });

  it('NAT64 addresses are judged by the IPv4 address they reach', () => {
    expect(strict.refusal('64:ff9b::a00:1')).toMatch(/NAT64 to a private IPv4 address/);
    expect(strict.refusal('64:ff9b::127.0.0.1')).toMatch(/NAT64 to a loopback/);
    expect(strict.refusal('64:ff9b::808:808')).toBeUndefined();
    expect(guardAllowing('10.0.0.0/8').refusal('64:ff9b::a00:1')).toBeUndefined();
  });

  it.each(['8.8.8.8', '1.1.1.1', '203.113.131.1', '172.32.0.1', '100.128.0.1', '::ffff:8.8.8.8', '2001:4860:4860::8888', '2402:800::1'])('public %s is not refused', (address) => {
    expect(strict.refusal(address)).toBeUndefined();
  });

  it('the allowance lifts exactly what it names: ranges, addresses, host names', () => {
    const guard = guardAllowing(' 127.0.0.0/8, ::1 ,10.20.0.0/16,192.168.1.7, LGSP.internal.');
    for (const ok of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1', '10.20.30.40', '192.168.1.7']) expect(guard.refusal(ok)).toBeUndefined();
    for (const no of ['10.21.0.1', '192.168.1.8', 'fe80::1', '169.254.169.254']) expect(guard.refusal(no)).toBeDefined();
    expect(guard.allowsHostName('lgsp.internal')).toBe(true);
    expect(guard.allowsHostName('LGSP.INTERNAL.')).toBe(true);
    expect(guard.allowsHostName('other.internal')).toBe(false);
  });

  it('host names in URLs: literals judged at once (brackets, decimal and hex forms normalised by URL), localhost as loopback, others left to connect time', () => {
    const host = (url: string) => strict.hostRefusal(new URL(url).hostname);
    expect(host('http://127.0.0.1:8080/x')).toMatch(/loopback/);
    expect(host('http://2130706433/')).toMatch(/127\.0\.0\.1 \(loopback\)/);
    expect(host('http://0x7f.1/')).toMatch(/loopback/);
    expect(host('http://[::1]/')).toMatch(/loopback/);
    expect(host('http://[::ffff:169.254.169.254]/latest/meta-data')).toMatch(/link-local/);
    expect(host('http://localhost:6379/')).toMatch(/localhost \(loopback\)/);
    expect(host('http://LOCALHOST./')).toMatch(/loopback/);
    expect(host('http://redis.localhost/')).toMatch(/loopback/);
    expect(host('https://eoffice.nghean.gov.vn/in')).toBeUndefined();
    expect(guardAllowing('127.0.0.0/8').hostRefusal('localhost')).toBeUndefined();
  });

  it('a bad allowance stops the boot with every bad entry named (HUB_ERR_ENV_INVALID)', () => {
    let caught: unknown;
    try {
      parseOutboundAllowance('10.0.0.0/33,,not a host,300.1.2.3,fe80::/129,ok.example');
    } catch (err) {
      caught = err;
    }
    expect(isHubError(caught) && caught.code).toBe('HUB_ERR_ENV_INVALID');
    const message = (caught as Error).message;
    for (const part of ['"10.0.0.0/33"', 'an empty entry', '"not a host"', '"300.1.2.3"', '"fe80::/129"']) expect(message).toContain(part);
    expect(message).not.toContain('ok.example');
    expect(parseOutboundAllowance(undefined)).toEqual({ ranges: [], hostNames: [] });
  });

  it('comes from LIENTHONG_OUTBOUND_ALLOW (unset: nothing allowed; set but bad: the boot stops)', () => {
    const catalogue = createSchemaCatalogue();
    expect(loadEnv({}, catalogue).outboundAllow).toEqual({ ranges: [], hostNames: [] });
    expect(loadEnv({ LIENTHONG_OUTBOUND_ALLOW: '127.0.0.0/8,::1,sim.internal' }, catalogue).outboundAllow).toEqual({ ranges: ['127.0.0.0/8', '::1'], hostNames: ['sim.internal'] });
    expect(() => loadEnv({ LIENTHONG_OUTBOUND_ALLOW: '127.0.0.0/40' }, catalogue)).toThrow(/LIENTHONG_OUTBOUND_ALLOW: "127.0.0.0\/40"/);
    expect(() => loadEnv({ LIENTHONG_OUTBOUND_ALLOW: '' }, catalogue)).toThrow(/LIENTHONG_OUTBOUND_ALLOW is set but empty/);
  });
});
