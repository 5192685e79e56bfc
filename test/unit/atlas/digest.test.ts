import { describe, expect, it } from 'vitest';
import { digestAuthorization, digestResponse, parseDigestChallenge, type DigestInput } from '../../../src/atlas/digest.js';

const rfc2617: DigestInput = {
  algorithm: 'MD5',
  username: 'Mufasa',
  password: 'Circle Of Life',
  realm: 'testrealm@host.com',
  nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093',
  method: 'GET',
  uri: '/dir/index.html',
  qop: 'auth',
  nc: '00000001',
  cnonce: '0a4f113b',
};

describe('digestResponse', () => {
  it.each([
    ['RFC 2617 worked example', rfc2617, '6629fae49393a05397450978507c4ef1'],
    // RFC 7616 §3.9.1 example (MD5 and SHA-256 with the same inputs).
    [
      'RFC 7616 MD5 example',
      { ...rfc2617, realm: 'http-auth@example.org', password: 'Circle of Life', nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v', cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ', uri: '/dir/index.html' },
      '8ca523f5e9506fed4657c9700eebdbec',
    ],
    [
      'RFC 7616 SHA-256 example',
      { ...rfc2617, algorithm: 'SHA-256' as const, realm: 'http-auth@example.org', password: 'Circle of Life', nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v', cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ' },
      '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1',
    ],
    ['RFC 2069 (no qop)', { ...rfc2617, qop: undefined }, '670fd8c2df070c60b045671b8b24ff02'],
  ])('%s', (_name, input, expected) => {
    expect(digestResponse(input)).toBe(expected);
  });
});

describe('parseDigestChallenge', () => {
  it.each([
    [
      'the challenge Atlas sends',
      'Digest realm="MMS Public API", domain="", nonce="669gyxpgL6MGDuSZvQ80Spv3k+Jc99ed", algorithm=MD5, qop="auth", stale=false',
      { realm: 'MMS Public API', nonce: '669gyxpgL6MGDuSZvQ80Spv3k+Jc99ed', algorithm: 'MD5', qop: 'auth', opaque: undefined, stale: false },
    ],
    [
      'a stale nonce',
      'Digest realm="MMS Public API", domain="", nonce="abc", algorithm=MD5, qop="auth", stale=true',
      { realm: 'MMS Public API', nonce: 'abc', algorithm: 'MD5', qop: 'auth', opaque: undefined, stale: true },
    ],
    [
      'quoted stale, qop list, opaque, no algorithm',
      'Digest realm="r", qop="auth,auth-int", nonce="n1", opaque="op", stale="TRUE"',
      { realm: 'r', nonce: 'n1', algorithm: 'MD5', qop: 'auth', opaque: 'op', stale: true },
    ],
    [
      'after a Basic challenge, with an escaped quote in the realm',
      'Basic realm="x", Digest realm="a\\"b", nonce="n2", algorithm=SHA-256, qop=auth',
      { realm: 'a"b', nonce: 'n2', algorithm: 'SHA-256', qop: 'auth', opaque: undefined, stale: false },
    ],
    ['RFC 2069 style (no qop)', 'Digest realm="r", nonce="n3"', { realm: 'r', nonce: 'n3', algorithm: 'MD5', qop: undefined, opaque: undefined, stale: false }],
  ])('reads %s', (_name, header, expected) => {
    expect(parseDigestChallenge(header)).toEqual(expected);
  });

  it.each([
    ['no header', null],
    ['a Basic challenge only', 'Basic realm="x"'],
    ['a Bearer challenge', 'Bearer error="invalid_token"'],
    ['a Digest challenge without a nonce', 'Digest realm="r", qop="auth"'],
  ])('finds nothing in %s', (_name, header) => {
    expect(parseDigestChallenge(header)).toBeUndefined();
  });

  it.each([
    ['SHA-512-256', 'Digest realm="r", nonce="n", algorithm=SHA-512-256, qop="auth"'],
    ['auth-int only', 'Digest realm="r", nonce="n", algorithm=MD5, qop="auth-int"'],
  ])('refuses %s as an unsupported kind of authentication', (_name, header) => {
    expect(() => parseDigestChallenge(header)).toThrow(expect.objectContaining({ kind: 'unsupported-auth', problem: expect.stringContaining(`algorithm ${header.includes('SHA-512') ? 'SHA-512-256' : 'MD5, qop auth-int'}`) }));
  });
});

describe('digestAuthorization', () => {
  it.each([
    [
      'RFC 2617 example',
      rfc2617,
      undefined,
      'Digest username="Mufasa", realm="testrealm@host.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", uri="/dir/index.html", algorithm=MD5, response="6629fae49393a05397450978507c4ef1", qop=auth, nc=00000001, cnonce="0a4f113b"',
    ],
    [
      'with opaque and a quote in the username',
      { ...rfc2617, username: 'a"b', qop: undefined },
      '5ccc069c403ebaf9f0171e9517f40e41',
      `Digest username="a\\"b", realm="testrealm@host.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", uri="/dir/index.html", algorithm=MD5, response="${digestResponse({ ...rfc2617, username: 'a"b', qop: undefined })}", opaque="5ccc069c403ebaf9f0171e9517f40e41"`,
    ],
  ])('formats %s', (_name, input, opaque, expected) => {
    expect(digestAuthorization(input, opaque)).toBe(expected);
  });
});
