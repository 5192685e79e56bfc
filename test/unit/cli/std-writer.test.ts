import { describe, expect, it } from 'vitest';
import { stdWriter, type StdSystem } from '../../../src/cli/host.js';

type Kind = 'fifo' | 'socket' | 'file' | 'tty' | 'char' | 'closed';

/** A fake fd of `kind`: `accept` says how many bytes each direct write takes, or throws that write's error. */
function fakeSystem(kind: Kind, options: { platform?: NodeJS.Platform; accept?: ((call: number, length: number) => number)[] } = {}) {
  const direct: Buffer[] = [];
  const streamed: Buffer[] = [];
  let streamsMade = 0;
  let calls = 0;
  const stream = {
    write: (chunk: string | Uint8Array) => {
      streamed.push(Buffer.from(chunk));
      return true;
    },
    isTTY: kind === 'tty',
    columns: 77,
  };
  const system: StdSystem = {
    platform: options.platform ?? 'linux',
    fstat: () => {
      if (kind === 'closed') throw Object.assign(new Error('EBADF'), { code: 'EBADF' });
      return { isFIFO: () => kind === 'fifo', isSocket: () => kind === 'socket', isFile: () => kind === 'file' };
    },
    writeSync: (_fd, bytes, offset) => {
      const accept = options.accept?.[calls];
      calls += 1;
      const length = accept === undefined ? bytes.length - offset : accept(calls, bytes.length - offset);
      direct.push(Buffer.from(bytes.subarray(offset, offset + length)));
      return length;
    },
    stream: () => {
      streamsMade += 1;
      return stream as unknown as ReturnType<StdSystem['stream']>;
    },
  };
  const text = (chunks: Buffer[]) => chunks.map((chunk) => chunk.toString('utf8'));
  return {
    system,
    direct: () => text(direct),
    streamed: () => text(streamed),
    bytes: () => Buffer.concat([...direct, ...streamed]),
    streamsMade: () => streamsMade,
  };
}

const fails = (code: string) => () => {
  throw Object.assign(new Error(code), { code });
};

describe('stdWriter', () => {
  it.each<[Kind, boolean]>([
    ['fifo', true],
    ['socket', true],
    ['file', true],
    ['tty', false],
    ['char', false],
    ['closed', false],
  ])('a %s is written directly: %s', (kind, direct) => {
    const fake = fakeSystem(kind);
    const writer = stdWriter(1, fake.system);
    writer.write('héllo\n');
    writer.write('world\n');
    expect((direct ? fake.direct() : fake.streamed()).join('')).toBe('héllo\nworld\n');
    expect(direct ? fake.streamed() : fake.direct()).toEqual([]);
    expect(fake.streamsMade() > 0).toBe(!direct);
  });

  it('keeps the stream on Windows, whatever the fd is', () => {
    const fake = fakeSystem('fifo', { platform: 'win32' });
    stdWriter(1, fake.system).write('x');
    expect(fake.streamed()).toEqual(['x']);
    expect(fake.direct()).toEqual([]);
  });

  it('finishes a write the fd took in parts', () => {
    const fake = fakeSystem('fifo', { accept: [() => 2, () => 1, () => 3] });
    stdWriter(1, fake.system).write('abcdefgh');
    expect(fake.direct()).toEqual(['ab', 'c', 'def', 'gh']);
    expect(fake.streamed()).toEqual([]);
  });

  it.each(['EAGAIN', 'EPIPE', 'EIO'])('hands the rest to the stream after %s, and keeps the stream from then on', (code) => {
    const fake = fakeSystem('fifo', { accept: [() => 3, fails(code)] });
    const writer = stdWriter(2, fake.system);
    writer.write('abcdefgh');
    writer.write('ij');
    expect(fake.direct()).toEqual(['abc']);
    expect(fake.streamed()).toEqual(['defgh', 'ij']);
  });

  it('loses no byte when a write stops inside a character: the stream gets the bytes the fd did not take', () => {
    const fake = fakeSystem('fifo', { accept: [() => 1, fails('EAGAIN')] });
    stdWriter(1, fake.system).write('é!');
    expect(fake.bytes().toString('utf8')).toBe('é!');
  });

  it.each<[Kind, boolean, number | undefined]>([
    ['fifo', false, undefined],
    ['file', false, undefined],
    ['tty', true, 77],
    ['char', false, undefined],
  ])('a %s is a terminal: %s (columns %s)', (kind, terminal, columns) => {
    const fake = fakeSystem(kind);
    const writer = stdWriter(1, fake.system);
    expect(writer.isTerminal()).toBe(terminal);
    expect(writer.columns()).toBe(columns);
    // A pipe or a file is known not to be a terminal without making the stream.
    if (kind === 'fifo' || kind === 'file') expect(fake.streamsMade()).toBe(0);
  });

  it('asks the fd what it is once', () => {
    const fake = fakeSystem('fifo');
    let asked = 0;
    const fstat = fake.system.fstat;
    const writer = stdWriter(1, {
      ...fake.system,
      fstat: (fd) => {
        asked += 1;
        return fstat(fd);
      },
    });
    writer.write('a');
    writer.isTerminal();
    writer.write('b');
    expect(asked).toBe(1);
  });
});
