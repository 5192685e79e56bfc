import { describe, expect, it } from 'vitest';
import { SecretMasker, secretForms, type MaskedStream } from '../../../src/output/mask.js';

const bytes = (text: string) => Buffer.from(text, 'latin1');
const text = (pieces: Buffer[]) => Buffer.concat(pieces).toString('latin1');

/** Feeds `chunks` one by one, then ends; checks that no piece is empty and returns everything forwarded. */
function relay(stream: MaskedStream, chunks: Buffer[]): string {
  const out: Buffer[] = [];
  for (const chunk of chunks) out.push(...stream.write(chunk));
  out.push(...stream.end());
  expect(out.filter((piece) => piece.length === 0)).toEqual([]);
  return text(out);
}

const masker = (...secrets: string[]) => new SecretMasker(secrets);

/** The input cut at the given offsets. */
function cut(input: Buffer, at: number[]): Buffer[] {
  const edges = [0, ...at, input.length];
  return edges.slice(1).map((end, i) => input.subarray(edges[i], end));
}

/** The reference: every byte inside an occurrence of a secret is hidden; overlapping occurrences make one `***`. */
function reference(secrets: string[], input: string): string {
  const intervals: [number, number][] = [];
  for (const secret of secrets) {
    for (let at = 0; at + secret.length <= input.length; at++) {
      if (secret !== '' && input.startsWith(secret, at)) intervals.push([at, at + secret.length]);
    }
  }
  intervals.sort((a, b) => a[0] - b[0]);
  let out = '';
  let cursor = 0;
  let maskEnd = 0;
  for (const [start, end] of intervals) {
    if (start < maskEnd) {
      maskEnd = Math.max(maskEnd, end);
    } else {
      out += `${input.slice(cursor, start)}***`;
      maskEnd = end;
    }
    cursor = maskEnd;
  }
  return out + input.slice(cursor);
}

/** A small deterministic generator (mulberry32), so a failing case can be replayed. */
function random(seed: number) {
  let state = seed;
  return (below: number) => {
    state = (state + 0x6d2b79f5) | 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) % below) as number;
  };
}

describe('secretForms', () => {
  it.each([
    ['empty: nothing to mask', '', []],
    ['only unreserved characters: one form', 'A-z.0_9', ['A-z.0_9']],
    ['a tilde, which older and form encoders escape', 'a~b', ['a~b', 'a%7Eb', 'a%7eb']],
    [
      'reserved characters and a space',
      'p@ss w/rd!',
      [
        'p@ss w/rd!',
        'p%40ss%20w%2Frd!',
        'p%40ss%20w%2Frd%21',
        'p%40ss+w%2Frd%21',
        'p%40ss%20w%2frd!',
        'p%40ss%20w%2frd%21',
        'p%40ss+w%2frd%21',
      ],
    ],
    ['RFC 3986 sub-delimiters', "!'()*~", ["!'()*~", '%21%27%28%29%2A%7E', '%21%27%28%29*%7E', '%21%27%28%29%2a%7e', '%21%27%28%29*%7e']],
    ['UTF-8 bytes', 'é', ['é', '%C3%A9', '%c3%a9']],
  ])('%s', (_what, secret, forms) => {
    expect(secretForms(secret)).toEqual(forms);
  });
});

describe('masking a whole stream', () => {
  it.each([
    ['no secret: every byte intact', ['s3cret'], 'nothing to see here\n', 'nothing to see here\n'],
    ['at the start', ['s3cret'], 's3cret is it', '*** is it'],
    ['in the middle', ['s3cret'], 'pw=s3cret;', 'pw=***;'],
    ['at the end', ['s3cret'], 'pw=s3cret', 'pw=***'],
    ['the whole stream', ['s3cret'], 's3cret', '***'],
    ['twice, touching: two masks', ['abc'], 'abcabc', '******'],
    ['twice, apart', ['abc'], 'abc-abc', '***-***'],
    ['overlapping itself: one mask', ['aba'], 'xababay', 'x***y'],
    ['two secrets overlapping: one mask', ['abcd', 'cdef'], 'xabcdefy', 'x***y'],
    ['the later secret first in the stream', ['cdef', 'abcd'], 'xabcdefy', 'x***y'],
    ['a later secret starting inside an earlier one', ['bcd', 'ab'], 'abcd', '***'],
    ['a secret that is a prefix of another, the longer one', ['abc', 'abcdef'], 'abcdef!', '***!'],
    ['a secret that is a prefix of another, the shorter one', ['abc', 'abcdef'], 'abcdxy', '***dxy'],
    ['a secret inside another', ['bc', 'abcd'], 'abcd', '***'],
    ['repeated partial matches before the match', ['aab'], 'aaaab', 'aa***'],
    ['a partial match cut short by the end', ['s3cret'], 'pw=s3cre', 'pw=s3cre'],
    ['a partial match then other bytes', ['s3cret'], 's3crs3cret', 's3cr***'],
    ['URI-encoded form', ['p@ss w/rd'], 'mongodb://u:p%40ss%20w%2Frd@h', 'mongodb://u:***@h'],
    ['URI-encoded form, lower-case hex', ['p@ss w/rd'], 'u:p%40ss%20w%2frd@', 'u:***@'],
    ['form-encoded', ['p@ss w/rd'], 'pw=p%40ss+w%2Frd&x', 'pw=***&x'],
    ['no secrets at all', [], 'anything', 'anything'],
  ])('%s', (_what, secrets, input, expected) => {
    expect(reference(secrets.flatMap(secretForms), input)).toBe(expected);
    expect(relay(masker(...secrets).stream(), [bytes(input)])).toBe(expected);
  });

  it('keeps binary bytes (not UTF-8) around and between secrets', () => {
    const noise = Buffer.from([0xff, 0xfe, 0x00, 0x80, 0xc3, 0x0a, 0x1b]);
    const secret = Buffer.from('K9.x~z', 'latin1');
    const input = Buffer.concat([noise, secret, noise, secret, noise]);
    const expected = Buffer.concat([noise, Buffer.from('***'), noise, Buffer.from('***'), noise]);
    for (let at = 0; at <= input.length; at++) {
      const stream = masker('K9.x~z').stream();
      const out = [...stream.write(input.subarray(0, at)), ...stream.write(input.subarray(at)), ...stream.end()];
      expect(Buffer.concat(out), `cut at ${at}`).toEqual(expected);
    }
  });
});

describe('masking across chunk boundaries', () => {
  const cases: [string, string[], string][] = [
    ['one secret', ['s3cret'], 'a s3cret, and s3cret\n'],
    ['overlapping secrets', ['abcd', 'cdef'], 'xabcdefyabcdxcdef'],
    ['a secret that is a prefix of another', ['abc', 'abcdef'], 'abcdefabcabcdxabc'],
    ['repeated partial matches', ['aab'], 'aaaabaaab'],
    ['self-overlapping', ['aba'], 'abababxaba'],
    ['encoded forms', ['p@ss w'], 'p@ss w p%40ss%20w p%40ss+w'],
  ];

  it.each(cases)('%s, cut at every offset', (_what, secrets, input) => {
    const expected = reference(secrets.flatMap(secretForms), input);
    for (let at = 0; at <= input.length; at++) {
      expect(relay(masker(...secrets).stream(), cut(bytes(input), [at])), `cut at ${at}`).toBe(expected);
    }
  });

  it.each(cases)('%s, cut at every pair of offsets', (_what, secrets, input) => {
    const expected = reference(secrets.flatMap(secretForms), input);
    for (let a = 0; a <= input.length; a++) {
      for (let b = a; b <= input.length; b++) {
        expect(relay(masker(...secrets).stream(), cut(bytes(input), [a, b])), `cut at ${a}, ${b}`).toBe(expected);
      }
    }
  });

  it.each(cases)('%s, one byte at a time with empty chunks between', (_what, secrets, input) => {
    const chunks = [...bytes(input)].flatMap((byte) => [Buffer.from([byte]), Buffer.alloc(0)]);
    expect(relay(masker(...secrets).stream(), chunks)).toBe(reference(secrets.flatMap(secretForms), input));
  });

  it('agrees with the reference on random streams of long secrets with encoded forms, near misses and bytes between', () => {
    const next = random(20261208);
    const word = (alphabet: string, length: number) => Array.from({ length }, () => alphabet[next(alphabet.length)]).join('');
    for (let round = 0; round < 300; round++) {
      // Long enough for the forms to share a run of 8 bytes or more (most rounds), or not (a few).
      const secrets = Array.from({ length: 1 + next(3) }, () => word('ab~', 6 + next(14)));
      const forms = secrets.flatMap(secretForms);
      const piece = () => {
        const form = forms[next(forms.length)]!;
        // A whole form, or one cut at either end (a near miss), or noise.
        const from = next(3) === 0 ? next(form.length) : 0;
        const to = next(3) === 0 ? from + next(form.length - from + 1) : form.length;
        return next(4) === 0 ? word('ab~%7Ee\n', next(6)) : form.slice(from, to);
      };
      const input = Array.from({ length: next(8) }, piece).join('');
      const at = Array.from({ length: next(5) }, () => next(input.length + 1)).sort((x, y) => x - y);
      expect(relay(masker(...secrets).stream(), cut(bytes(input), at)), JSON.stringify({ secrets, input, at })).toBe(
        reference(forms, input),
      );
    }
  });

  it('agrees with the reference on random streams over a small alphabet (many overlaps)', () => {
    const next = random(20261207);
    const word = (length: number) => Array.from({ length }, () => 'ab\n'[next(3)]).join('');
    for (let round = 0; round < 400; round++) {
      const secrets = Array.from({ length: 1 + next(3) }, () => word(1 + next(5)).replace(/\n/g, 'a'));
      const input = word(next(40));
      const at = Array.from({ length: next(5) }, () => next(input.length + 1)).sort((x, y) => x - y);
      expect(relay(masker(...secrets).stream(), cut(bytes(input), at)), JSON.stringify({ secrets, input, at })).toBe(
        reference(secrets, input),
      );
    }
  });
});

describe('what is forwarded at once', () => {
  it.each([
    ['a full line', 'hello\n', 'hello\n'],
    ['a partial line ending with a byte no secret starts with', 'progress 50%', 'progress 50%'],
    ['a partial line ending with the start of a secret', 'login as s3', 'login as '],
    ['a partial line ending with a longer start of a secret', 'pw: s3cre', 'pw: '],
    ['a partial line ending with a start of a secret that starts again inside', 'pw: s3s3cr', 'pw: s3'],
  ])('%s', (_what, input, forwarded) => {
    expect(text(masker('s3cret').stream().write(bytes(input)))).toBe(forwarded);
  });

  it('forwards a chunk without copying it when nothing is held', () => {
    const chunk = bytes('plain output\n');
    expect(masker('s3cret').stream().write(chunk)).toEqual([chunk]);
    expect(masker('s3cret').stream().write(chunk)[0]).toBe(chunk);
  });

  it('keeps what it holds when the caller reuses the chunk for its next read', () => {
    const stream = masker('s3cret').stream();
    const buffer = Buffer.alloc(16);
    const read = (text: string) => buffer.subarray(0, buffer.write(text, 'latin1'));
    expect(text(stream.write(read('pw: s3c')))).toBe('pw: ');
    expect(text(stream.write(read('ret\n')))).toBe('***\n');
  });

  it('lets a held start go as soon as the next bytes show it is no secret', () => {
    const stream = masker('s3cret').stream();
    expect(text(stream.write(bytes('pw: s3c')))).toBe('pw: ');
    expect(text(stream.write(bytes('ool\n')))).toBe('s3cool\n');
    expect(text(stream.end())).toBe('');
  });

  it('holds a secret that may still grow into a longer one, and masks it once', () => {
    const stream = masker('abc', 'abcdef').stream();
    expect(text(stream.write(bytes('x abc')))).toBe('x ***');
    expect(text(stream.write(bytes('de')))).toBe('');
    expect(text(stream.write(bytes('f!')))).toBe('!');
    expect(text(stream.end())).toBe('');
  });

  it('hands over what is held when the stream ends', () => {
    const stream = masker('s3cret').stream();
    expect(text(stream.write(bytes('cut: s3cr')))).toBe('cut: ');
    expect(text(stream.end())).toBe('s3cr');
  });
});

describe('SecretMasker.add', () => {
  it("masks a later lease's password from then on, and the earlier ones still", () => {
    const secrets = masker('first-pw');
    const stream = secrets.stream();
    expect(text(stream.write(bytes('first-pw second-pw\n')))).toBe('*** second-pw\n');
    secrets.add('second-pw');
    expect(text(stream.write(bytes('first-pw second-pw\n')))).toBe('*** ***\n');
  });

  it('masks in streams made before the secret was added', () => {
    const secrets = new SecretMasker([]);
    const out = secrets.stream();
    const err = secrets.stream();
    secrets.add('pw~1');
    expect(text(out.write(bytes('pw~1 pw%7E1\n')))).toBe('*** ***\n');
    expect(text(err.write(bytes('pw%7e1\n')))).toBe('***\n');
  });

  it('adding the same secret again changes nothing', () => {
    const secrets = masker('s3cret', 's3cret');
    secrets.add('s3cret');
    expect(relay(secrets.stream(), [bytes('s3cret s3cr'), bytes('et')])).toBe('*** ***');
  });

  it('ignores an empty secret', () => {
    expect(relay(masker('').stream(), [bytes('any'), bytes('thing')])).toBe('anything');
  });
});

describe('the relay of each stream is independent', () => {
  it('a start held on one stream does not affect the other', () => {
    const secrets = masker('s3cret');
    const out = secrets.stream();
    const err = secrets.stream();
    expect(text(out.write(bytes('a s3')))).toBe('a ');
    expect(text(err.write(bytes('cret\n')))).toBe('cret\n');
    expect(text(out.write(bytes('cret\n')))).toBe('***\n');
  });
});

describe('occurrences and hold points', () => {
  it.each([
    ['none', ['abc'], 'xyz', []],
    [
      'ordered by start across secrets',
      ['cd', 'ab'],
      'abcd',
      [
        [0, 2],
        [2, 4],
      ],
    ],
    [
      'overlapping ones of the same secret',
      ['aa'],
      'aaa',
      [
        [0, 2],
        [1, 3],
      ],
    ],
    ['an encoded form, through the run its forms share', ['abc~defghijklmnop'], 'x abc%7Edefghijklmnop', [[2, 21]]],
    [
      'every form of a secret, each through that run',
      ['abc~defghijklmnop'],
      'abc~defghijklmnop abc%7edefghijklmnop',
      [
        [0, 17],
        [18, 37],
      ],
    ],
    ['a form whose start is cut off', ['abc~defghijklmnop'], 'c%7Edefghijklmnop', []],
    ['a form whose end is cut off', ['abc~defghijklmnop'], 'abc%7Edefghijklmno', []],
    ['the run without the rest of a form', ['abc~defghijklmnop'], 'abx%7Edefghijklmnop', []],
    [
      'forms that share too little: each its own',
      ['ab~cd'],
      'ab%7Ecd ab~cd',
      [
        [0, 7],
        [8, 13],
      ],
    ],
    [
      'secrets of different lengths',
      ['s3cret', 'abc~defghijklmnop'],
      'abc~defghijklmnop s3cret',
      [
        [0, 17],
        [18, 24],
      ],
    ],
    ['a secret given twice, once', ['s3cret', 's3cret'], 's3cret', [[0, 6]]],
    // The longer secret's anchor stands after the shorter one's start: found second, ordered first.
    [
      'ordered by start when found in another order',
      ['TUVWXYZ0~abcdefghij', 'VWXYZ0~a'],
      'TUVWXYZ0~abcdefghij',
      [
        [0, 19],
        [2, 10],
      ],
    ],
  ])('occurrences: %s', (_what, secrets, input, found) => {
    expect(masker(...secrets).occurrences(bytes(input))).toEqual(found);
  });

  it.each([
    ['nothing held', ['abc'], 'xyz', 3],
    ['a one-byte start', ['abc'], 'xya', 2],
    ['a two-byte start', ['abc'], 'xab', 1],
    ['a complete secret is no proper prefix', ['abc'], 'abc', 3],
    ['a complete secret that starts a longer one', ['abc', 'abcd'], 'abc', 0],
    ['the earliest start wins', ['abab'], 'xaba', 1],
    ['only the last bytes can start a secret', ['abc'], 'abxyz', 5],
    ['empty data', ['abc'], '', 0],
  ])('holdPoint: %s', (_what, secrets, input, hold) => {
    expect(masker(...secrets).holdPoint(bytes(input))).toBe(hold);
  });
});

describe('what one pass looks for', () => {
  it.each([
    ['one form: itself', ['abcdefgh'], ['abcdefgh']],
    ['a short secret with one form: itself', ['ab'], ['ab']],
    ['the longest run all forms share', ['abc~defghijklmnop'], ['defghijklmnop']],
    ['the leftmost of two as long', ['abcdefgh~ijklmnop'], ['abcdefgh']],
    ['a shared run of 8 bytes', ['ab~cdefghij'], ['cdefghij']],
    ['a shared run of 7 bytes: each form itself', ['ab~cdefghi'], ['ab~cdefghi', 'ab%7Ecdefghi', 'ab%7ecdefghi']],
    ['a short secret with encoded forms: each form itself', ['pw~1'], ['pw~1', 'pw%7E1', 'pw%7e1']],
    ['nothing shared: each form itself', ['~'], ['~', '%7E', '%7e']],
    ['a later secret: only its forms not yet known', ['a%7Eb', 'a~b'], ['a%7Eb', 'a%257Eb', 'a~b', 'a%7eb']],
    ['one per secret', ['abcdefgh', '12345678~9'], ['abcdefgh', '12345678']],
  ])('%s', (_what, secrets, anchors) => {
    expect(masker(...secrets).anchors()).toEqual(anchors);
  });
});
