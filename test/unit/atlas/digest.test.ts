import { describe, expect, it } from 'vitest';
import {
  DigestAuthenticator,
  digestAuthorization,
  digestResponse,
  parseDigestChallenge,
  type DigestInput,
} from '../../../src/atlas/digest.js';
import { AtlasResponseError } from '../../../src/atlas/error-types.js';
import { describeError } from '../../../src/cli/error-text.js';

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
      {
        ...rfc2617,
        realm: 'http-auth@example.org',
        password: 'Circle of Life',
        nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
        cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
        uri: '/dir/index.html',
      },
      '8ca523f5e9506fed4657c9700eebdbec',
    ],
    [
      'RFC 7616 SHA-256 example',
      {
        ...rfc2617,
        algorithm: 'SHA-256' as const,
        realm: 'http-auth@example.org',
        password: 'Circle of Life',
        nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
        cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
      },
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
      {
        realm: 'MMS Public API',
        nonce: '669gyxpgL6MGDuSZvQ80Spv3k+Jc99ed',
        algorithm: 'MD5',
        qop: 'auth',
        opaque: undefined,
        stale: false,
      },
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
    [
      'RFC 2069 style (no qop)',
      'Digest realm="r", nonce="n3"',
      { realm: 'r', nonce: 'n3', algorithm: 'MD5', qop: undefined, opaque: undefined, stale: false },
    ],
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
    expect(() => parseDigestChallenge(header)).toThrow(
      expect.objectContaining({
        kind: 'unsupported-auth',
        problem: expect.stringContaining(`algorithm ${header.includes('SHA-512') ? 'SHA-512-256' : 'MD5, qop auth-int'}`),
      }),
    );
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

describe('digestResponse: more known answers', () => {
  // Worked out with node:crypto createHash over the RFC formulas, one step at a time.
  it.each([
    [
      'SHA-256 without qop',
      { ...rfc2617, algorithm: 'SHA-256' as const, qop: undefined },
      'e71f89d8267982ee1cd4dfb3637698eaf2f55848fe056aee7be175262aab5d2a',
    ],
    [
      'MD5, a POST with a query, nc 0000000a',
      {
        ...rfc2617,
        username: 'pub',
        password: 'priv',
        realm: 'MMS Public API',
        nonce: 'n0',
        method: 'POST',
        uri: '/api/atlas/v2/groups?x=1',
        nc: '0000000a',
        cnonce: 'cn',
      },
      '016c0c8d0a20c02d3810998954068a3d',
    ],
    [
      'MD5 of UTF-8 text, no qop',
      { ...rfc2617, username: 'ü', password: 'pässwörd', realm: 'r', nonce: 'n', uri: '/', qop: undefined },
      'dba69be0cebeb178c7b9b6447dd3a49f',
    ],
  ])('%s', (_name, input, expected) => {
    expect(digestResponse(input)).toBe(expected);
  });

  it('without qop, ignores nc and cnonce', () => {
    const plain = { ...rfc2617, qop: undefined };
    expect(digestResponse({ ...plain, nc: '00000009', cnonce: 'other' })).toBe(digestResponse(plain));
  });
});

describe('parseDigestChallenge: forms of the header', () => {
  const expected = { realm: 'r', nonce: 'n1', algorithm: 'MD5', qop: 'auth', opaque: undefined, stale: false };
  it.each([
    ['lowercase scheme', 'digest realm="r", nonce="n1", qop="auth"', expected],
    ['uppercase scheme and names', 'DIGEST REALM="r", NONCE="n1", QOP="AUTH"', expected],
    ['unquoted values', 'Digest realm=r, nonce=n1, qop=auth', expected],
    ['blanks around =', 'Digest realm = "r" , nonce= "n1",qop ="auth"', expected],
    ['the first of a repeated parameter', 'Digest realm="r", nonce="n1", nonce="n2", qop="auth", qop="auth-int"', expected],
    ['a lowercase algorithm', 'Digest realm="r", nonce="n1", qop="auth", algorithm=md5', expected],
    ['a lowercase SHA-256', 'Digest realm="r", nonce="n1", qop="auth", algorithm="sha-256"', { ...expected, algorithm: 'SHA-256' }],
    ['qop listed with blanks', 'Digest realm="r", nonce="n1", qop=" auth-int , Auth "', expected],
    ['stale=FALSE', 'Digest realm="r", nonce="n1", qop="auth", stale=FALSE', expected],
    ['stale=true unquoted', 'Digest realm="r", nonce="n1", qop="auth", stale=true', { ...expected, stale: true }],
    ['stale=yes', 'Digest realm="r", nonce="n1", qop="auth", stale=yes', expected],
    ['an empty opaque', 'Digest realm="r", nonce="n1", qop="auth", opaque=""', { ...expected, opaque: '' }],
    ['no realm', 'Digest nonce="n1", qop="auth"', { ...expected, realm: '' }],
    ['an empty realm', 'Digest realm="", nonce="n1", qop="auth"', { ...expected, realm: '' }],
    ['commas and escapes inside quotes', 'Digest realm="a, b=\\\\c", nonce="n1", qop="auth"', { ...expected, realm: 'a, b=\\c' }],
    ['after a Bearer challenge on the same line', 'Bearer realm="x", Digest realm="r", nonce="n1", qop="auth"', expected],
    ['a tab after the scheme', 'Digest\trealm="r", nonce="n1", qop="auth"', expected],
  ])('reads %s', (_name, header, result) => {
    expect(parseDigestChallenge(header)).toEqual(result);
  });

  it.each([
    ['the word Digest inside another challenge', 'Basic realm="Digest area"'],
    ['a scheme that only ends in Digest', 'XDigest realm="r", nonce="n1"'],
    ['Digest with no blank after it', 'Digest,nonce="n1"'],
    ['an empty nonce', 'Digest realm="r", nonce="", qop="auth"'],
    ['an empty header', ''],
  ])('finds nothing in %s', (_name, header) => {
    expect(parseDigestChallenge(header)).toBeUndefined();
  });

  it.each([
    ['SHA-512-256 with qop auth', 'Digest nonce="n", algorithm=SHA-512-256, qop="auth"', 'algorithm SHA-512-256, qop auth'],
    ['MD5-sess', 'Digest nonce="n", algorithm=MD5-sess', 'algorithm MD5-SESS, qop none'],
    ['qop auth-int only', 'Digest nonce="n", qop="auth-int"', 'algorithm MD5, qop auth-int'],
    ['two unknown qops', 'Digest nonce="n", qop="auth-int, auth-conf"', 'algorithm MD5, qop auth-int/auth-conf'],
  ])('refuses %s, saying what was asked', (_name, header, asked) => {
    let error: unknown;
    try {
      parseDigestChallenge(header);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AtlasResponseError);
    expect((error as AtlasResponseError).kind).toBe('unsupported-auth');
    expect((error as AtlasResponseError).problem).toBe(asked);
    const text = describeError(error);
    expect(text.exitCode).toBe(1);
    expect(text.message).toBe(
      `Atlas asked for a kind of digest authentication dynsecret does not support (${asked}): report this to the dynsecret maintainers.`,
    );
  });
});

describe('digestAuthorization: escaping and parts', () => {
  it('escapes backslashes and quotes in every quoted value, and adds opaque after qop', () => {
    const input: DigestInput = {
      ...rfc2617,
      algorithm: 'SHA-256',
      username: 'a\\b"c',
      realm: 'r"1',
      nonce: 'n\\',
      uri: '/x?q="1"',
      nc: '0000000f',
      cnonce: 'c"n',
    };
    expect(digestAuthorization(input, 'o"p\\')).toBe(
      'Digest username="a\\\\b\\"c", realm="r\\"1", nonce="n\\\\", uri="/x?q=\\"1\\"", algorithm=SHA-256, ' +
        `response="${digestResponse(input)}", qop=auth, nc=0000000f, cnonce="c\\"n", opaque="o\\"p\\\\"`,
    );
  });
});

describe('DigestAuthenticator: nonce counts', () => {
  const challenge = (nonce: string) => ({
    status: 401,
    text: '',
    headers: {
      get: (name: string) =>
        name === 'www-authenticate' ? `Digest realm="MMS Public API", nonce="${nonce}", algorithm=MD5, qop="auth"` : null,
    },
  });

  it('sends nothing before the first challenge, then counts each request in hex from 1', async () => {
    let cnonces = 0;
    const auth = new DigestAuthenticator('pub', 'priv', () => `cn${(cnonces += 1)}`);
    expect(auth.kind).toBe('apiKey');
    expect(auth.secrets).toEqual(['priv']);
    expect(await auth.header('GET', '/a')).toBeUndefined();
    expect(await auth.shouldRetryUnauthorized(challenge('n0'), undefined)).toBe('challenge');

    const headers: string[] = [];
    for (let i = 0; i < 17; i++) headers.push((await auth.header('GET', '/a')) ?? '');
    const input = {
      algorithm: 'MD5' as const,
      username: 'pub',
      password: 'priv',
      realm: 'MMS Public API',
      nonce: 'n0',
      method: 'GET',
      uri: '/a',
      qop: 'auth' as const,
    };
    expect(headers[0]).toBe(digestAuthorization({ ...input, nc: '00000001', cnonce: 'cn1' }, undefined));
    expect(headers[9]).toBe(digestAuthorization({ ...input, nc: '0000000a', cnonce: 'cn10' }, undefined));
    expect(headers[16]).toBe(digestAuthorization({ ...input, nc: '00000011', cnonce: 'cn17' }, undefined));
  });

  it('does not retry a 401 that carries no Digest challenge', async () => {
    const auth = new DigestAuthenticator('pub', 'priv');
    const bare = { status: 401, text: '', headers: { get: () => null } };
    expect(await auth.shouldRetryUnauthorized(bare, undefined)).toBeUndefined();
    expect(await auth.header('GET', '/a')).toBeUndefined();
  });

  it('draws a fresh 32-hex-digit cnonce by default', async () => {
    const auth = new DigestAuthenticator('pub', 'priv');
    await auth.shouldRetryUnauthorized(challenge('n0'), undefined);
    const cnonce = (header: string | undefined) => /cnonce="([^"]*)"/.exec(header ?? '')?.[1];
    const first = cnonce(await auth.header('GET', '/a'));
    const second = cnonce(await auth.header('GET', '/a'));
    expect(first).toMatch(/^[0-9a-f]{32}$/);
    expect(second).toMatch(/^[0-9a-f]{32}$/);
    expect(first).not.toBe(second);
  });
});

describe('DigestAuthenticator: which 401 earns a retry, and when the count starts again', () => {
  const answer = (nonce: string, stale: boolean) => ({
    status: 401,
    text: '',
    headers: {
      get: (name: string) =>
        name === 'www-authenticate'
          ? `Digest realm="MMS Public API", nonce="${nonce}", algorithm=MD5, qop="auth"${stale ? ', stale=true' : ''}`
          : null,
    },
  });
  const used = (header: string | undefined) => ({
    nonce: /nonce="([^"]*)"/.exec(header ?? '')?.[1],
    nc: /nc=([0-9a-f]+)/.exec(header ?? '')?.[1],
  });

  // After the first challenge (nonce n0) and two signed requests, one more 401 arrives.
  it.each([
    ['a signed request refused without stale', 'n1', false, true, undefined, { nonce: 'n0', nc: '00000003' }],
    ['a signed request refused without stale, same nonce', 'n0', false, true, undefined, { nonce: 'n0', nc: '00000003' }],
    ['a signed request whose nonce went stale', 'n1', true, true, 'stale', { nonce: 'n1', nc: '00000001' }],
    ['a signed request called stale with the nonce it used', 'n0', true, true, 'stale', { nonce: 'n0', nc: '00000003' }],
    ['an unsigned request, new nonce', 'n1', false, false, 'challenge', { nonce: 'n1', nc: '00000001' }],
    ['an unsigned request, same nonce', 'n0', false, false, 'challenge', { nonce: 'n0', nc: '00000003' }],
    ['an unsigned request, stale and new nonce', 'n1', true, false, 'challenge', { nonce: 'n1', nc: '00000001' }],
  ] as const)('%s', async (_name, nonce, stale, signed, reason, next) => {
    const auth = new DigestAuthenticator('pub', 'priv', () => 'cn');
    expect(await auth.shouldRetryUnauthorized(answer('n0', false), undefined)).toBe('challenge');
    await auth.header('GET', '/a');
    const sent = await auth.header('GET', '/a');
    expect(used(sent)).toEqual({ nonce: 'n0', nc: '00000002' });
    expect(await auth.shouldRetryUnauthorized(answer(nonce, stale), signed ? sent : undefined)).toBe(reason);
    expect(used(await auth.header('GET', '/a'))).toEqual(next);
  });
});
