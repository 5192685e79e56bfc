/**
 * Secret masking for the output `run` relays: every occurrence of a secret in a byte stream becomes `***`,
 * wherever the stream's chunks happen to be cut, and every other byte passes unchanged (no text decoding, so
 * binary output is safe). Pure: no I/O, no timers; src/cli/relay.ts moves the bytes.
 *
 * What is masked is the union of all occurrences: a run of occurrences that overlap (two secrets sharing bytes,
 * or a secret that is a prefix of another) becomes a single `***`; occurrences that only touch stay two. The
 * result does not depend on how the stream is cut into chunks.
 */

/** What a secret is replaced with. */
const MASK = Buffer.from('***');
const EMPTY = Buffer.alloc(0);

/** `%XX` with upper-case hex digits, as RFC 3986 recommends. */
const percent = (character: string) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`;

/**
 * The forms in which a program may print `secret`: as it is; URI-encoded as `MONGODB_URI` holds it
 * (encodeURIComponent); with RFC 3986's strict reserved set (`!'()*` encoded too) and `~` encoded, as older
 * encoders and application/x-www-form-urlencoded do; the form encoding itself (space as `+`); and each
 * encoded form with lower-case hex digits.
 */
export function secretForms(secret: string): string[] {
  if (secret === '') return [];
  const uri = encodeURIComponent(secret);
  const strict = uri.replace(/[!'()*~]/g, percent);
  const form = new URLSearchParams({ s: secret }).toString().slice('s='.length);
  const encoded = [uri, strict, form];
  const lower = encoded.map((text) => text.replace(/%[0-9A-F]{2}/g, (escape) => escape.toLowerCase()));
  return [...new Set([secret, ...encoded, ...lower])];
}

/** A shared run shorter than this (and than the forms) makes the scan step too short: each form is then its own anchor. */
const MIN_ANCHOR = 8;

/** Forms of one secret found through one anchor: a byte run each of them holds at `offset`. */
interface AnchorGroup {
  anchor: Buffer;
  forms: { bytes: Buffer; offset: number }[];
}

/**
 * The secrets of one `run`: those of the current lease and of every earlier one. `add` is called whenever a
 * lease is handed to the command; each stream made by `stream()` masks every secret added so far.
 *
 * Speed: the forms of a secret differ only where a byte is encoded, so they share a run of bytes (the anchor).
 * One pass over the output looks for every anchor at once (Horspool: on output that holds none, it reads about
 * one byte in `window`), and only around a hit are the forms themselves compared, in native code.
 */
export class SecretMasker {
  /** Every form of every secret added, as text (a set: a secret added twice is searched for once). */
  readonly #forms = new Set<string>();
  #secrets: Buffer[] = [];
  /** Per byte value: 1 when some secret starts with it. */
  readonly #starts = new Uint8Array(256);
  #longest = 0;
  readonly #groups: AnchorGroup[] = [];
  /** The length of the shortest anchor: the scan looks at windows of this many bytes. (An integer, for speed.) */
  #window = 0;
  /** Per byte value: how far the scan may move on when it is the last byte of the window (Horspool). */
  readonly #shift = new Int32Array(256);
  /** Per byte value: 1 when some anchor has it as its `window`-th byte. */
  readonly #ends = new Uint8Array(256);

  constructor(secrets: Iterable<string>) {
    for (const secret of secrets) this.add(secret);
  }

  /** Masks `secret` (a password) and its encoded forms (see `secretForms`) from now on. */
  add(secret: string): void {
    const forms = secretForms(secret).filter((form) => !this.#forms.has(form));
    if (forms.length === 0) return;
    for (const form of forms) this.#forms.add(form);
    this.#groups.push(...anchorGroups(forms.map((form) => Buffer.from(form))));
    this.#secrets = [...this.#forms].map((form) => Buffer.from(form));
    for (const bytes of this.#secrets) this.#starts[bytes[0]!] = 1;
    this.#longest = Math.max(0, ...this.#secrets.map((bytes) => bytes.length));
    const window = Math.min(...this.#groups.map((group) => group.anchor.length));
    this.#window = window;
    this.#shift.fill(window);
    this.#ends.fill(0);
    for (const { anchor } of this.#groups) {
      for (let at = 0; at < window - 1; at++) this.#shift[anchor[at]!] = Math.min(this.#shift[anchor[at]!]!, window - 1 - at);
      this.#ends[anchor[window - 1]!] = 1;
    }
  }

  /** The byte runs one pass over the output looks for (as latin1 text): one per secret, or per form. */
  anchors(): string[] {
    return this.#groups.map((group) => group.anchor.toString('latin1'));
  }

  /** A masker for one stream of bytes (the command's stdout, or its stderr). */
  stream(): MaskedStream {
    return new MaskedStream(this);
  }

  /** Every complete occurrence of a secret in `data`, as [start, end), by start. */
  occurrences(data: Buffer): [number, number][] {
    const found: [number, number][] = [];
    if (this.#groups.length === 0) return found;
    const window = this.#window;
    const length = data.length;
    const shift = this.#shift;
    const ends = this.#ends;
    for (let last = window - 1; last < length; last += shift[data[last]!]!) {
      if (ends[data[last]!] === 0) continue;
      // The window may start an anchor: each form is compared where it would then stand.
      const start = last - window + 1;
      for (const { forms } of this.#groups) {
        for (const { bytes, offset } of forms) {
          const at = start - offset;
          const end = at + bytes.length;
          if (at >= 0 && end <= length && data.compare(bytes, 0, bytes.length, at, end) === 0) found.push([at, end]);
        }
      }
    }
    // Found in the order of their anchors, which is not always that of their starts.
    return found.sort((a, b) => a[0] - b[0]);
  }

  /**
   * Where the part of `data` that may be the start of a secret begins: the first position whose remaining bytes
   * are a proper prefix of some secret (only the last `longest - 1` bytes can be), else `data.length`.
   */
  holdPoint(data: Buffer): number {
    const length = data.length;
    for (let at = Math.max(0, length - this.#longest + 1); at < length; at++) {
      if (this.#starts[data[at]!] === 0) continue;
      const rest = length - at;
      if (this.#secrets.some((secret) => secret.length > rest && data.compare(secret, 0, rest, at) === 0)) return at;
    }
    return length;
  }
}

/**
 * How the forms of one secret are found: through the longest byte run all of them hold, if it is long enough
 * (see MIN_ANCHOR), else each through itself.
 */
function anchorGroups(forms: Buffer[]): AnchorGroup[] {
  const texts = forms.map((form) => form.toString('latin1'));
  const shared = longestShared(texts);
  // A whole form is as long a run as its secret gives (a short secret, or one without encoded bytes).
  if (shared.length < MIN_ANCHOR && !texts.includes(shared)) {
    return forms.map((bytes) => ({ anchor: bytes, forms: [{ bytes, offset: 0 }] }));
  }
  const offset = texts[0]!.indexOf(shared);
  return [
    {
      anchor: forms[0]!.subarray(offset, offset + shared.length),
      forms: forms.map((bytes, index) => ({ bytes, offset: texts[index]!.indexOf(shared) })),
    },
  ];
}

/** The longest substring of the first of `texts` that all of them hold (the first such, from the left). */
function longestShared(texts: string[]): string {
  const text = texts[0]!;
  for (let length = text.length; length > 0; length--) {
    for (let start = 0; start + length <= text.length; start++) {
      const run = text.slice(start, start + length);
      if (texts.every((other) => other.includes(run))) return run;
    }
  }
  return '';
}

/**
 * One stream's masking: `write` takes each chunk as it arrives and returns the bytes to forward now (views of
 * the chunk and `***`), holding back only a tail that may be the start of a secret; `end` returns that tail.
 * A chunk that ends with a byte no secret starts with (a newline, say) is forwarded whole.
 */
export class MaskedStream {
  readonly #secrets: SecretMasker;
  /** Bytes not forwarded yet: a tail that may be the start of a secret. */
  #held: Buffer = EMPTY;
  /** How many of the held bytes a `***` already forwarded stands for. */
  #covered = 0;

  constructor(secrets: SecretMasker) {
    this.#secrets = secrets;
  }

  write(chunk: Buffer): Buffer[] {
    return this.#scan(this.#held.length === 0 ? chunk : Buffer.concat([this.#held, chunk]), false);
  }

  /** The stream ended: what was held back is forwarded (a secret cut short by the end is no secret). */
  end(): Buffer[] {
    return this.#scan(this.#held, true);
  }

  #scan(data: Buffer, final: boolean): Buffer[] {
    const out: Buffer[] = [];
    // Bytes from `hold` on may be the start of a secret: they wait for more bytes, unless a mask covers them.
    const hold = final ? data.length : this.#secrets.holdPoint(data);
    // Everything before `cursor` is forwarded; a `***` forwarded already stands for everything before `maskEnd`.
    let cursor = this.#covered;
    let maskEnd = this.#covered;
    for (const [start, end] of this.#secrets.occurrences(data)) {
      if (start < maskEnd) {
        // Overlaps the last mask, which therefore grows; no second `***`.
        maskEnd = Math.max(maskEnd, end);
        cursor = maskEnd;
      } else if (start <= hold) {
        // Nothing that could still turn out to be a secret comes before it: mask it now.
        if (cursor < start) out.push(data.subarray(cursor, start));
        out.push(MASK);
        cursor = maskEnd = end;
      }
      // Any other starts after `hold` and waits, held, to be found again with the next chunk.
    }
    if (cursor < hold) out.push(cursor === 0 && hold === data.length ? data : data.subarray(cursor, hold));
    // A copy: the caller may reuse the chunk's memory for its next read. (Nothing held, the usual case: no copy.)
    this.#held = hold === data.length ? EMPTY : Buffer.from(data.subarray(hold));
    this.#covered = Math.max(0, maskEnd - hold);
    return out;
  }
}
