import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { openOutputs, relayMasked } from '../../../src/cli/relay.js';
import { SecretMasker } from '../../../src/output/mask.js';

/**
 * A target that records what it is given: written at once (as a pipe with room or a file is), or, with
 * `queue`, held until the test calls `flush` (as a full pipe holds it), or failing with `fail`.
 */
function target(options: { queue?: boolean; fail?: string } = {}) {
  const written: string[] = [];
  const waiting: (() => void)[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      if (options.fail) {
        callback(Object.assign(new Error(options.fail), { code: options.fail }));
        return;
      }
      // Copied now: a relayed chunk may be a view of a buffer its source reuses.
      const text = chunk.toString('latin1');
      const done = () => {
        if (text !== '') written.push(text);
        callback();
      };
      if (options.queue) waiting.push(done);
      else done();
    },
  });
  return {
    stream,
    written,
    flush: () => {
      for (const done of waiting.splice(0)) done();
    },
  };
}

const setup = (out: ReturnType<typeof target>, quietMs?: number) => {
  const source = new PassThrough();
  const relay = relayMasked(source, out.stream, new SecretMasker(['s3cret']).stream(), quietMs);
  return { source, relay };
};

describe('relayMasked', () => {
  it('forwards each chunk masked, at once, and the held tail at the end', async () => {
    const out = target();
    const { source, relay } = setup(out);
    expect(relay.chunk(Buffer.from('pw=s3c'))).toBe(true);
    expect(out.written).toEqual(['pw=']);
    expect(relay.chunk(Buffer.from('ret\nbye s3'))).toBe(true);
    expect(out.written).toEqual(['pw=', '***\nbye ']);
    source.end();
    source.resume();
    await relay.afterExit();
    expect(out.written).toEqual(['pw=', '***\nbye ', 's3']);
  });

  it('pauses the source while the target holds queued bytes, and resumes it once they are written', async () => {
    const out = target({ queue: true });
    const { source, relay } = setup(out);
    expect(relay.chunk(Buffer.from('one\n'))).toBe(false);
    expect(source.isPaused()).toBe(true);
    out.flush();
    await new Promise((resolve) => setImmediate(resolve));
    out.flush();
    await new Promise((resolve) => setImmediate(resolve));
    expect(source.isPaused()).toBe(false);
    expect(out.written).toEqual(['one\n']);
  });

  it('closes the source when nobody reads the target any more (EPIPE)', async () => {
    const out = target({ fail: 'EPIPE' });
    const { source, relay } = setup(out);
    relay.chunk(Buffer.from('lost\n'));
    await relay.afterExit();
    expect(source.destroyed).toBe(true);
  });

  it('once the command exited, lets go of a source that stays quiet (a background process holds it)', async () => {
    const out = target();
    const { source, relay } = setup(out, 1);
    relay.chunk(Buffer.from('done s3cr'));
    await relay.afterExit();
    expect(source.destroyed).toBe(true);
    expect(out.written).toEqual(['done ', 's3cr']);
    expect(relay.chunk(Buffer.from('later\n'))).toBe(true);
    expect(out.written).toEqual(['done ', 's3cr']);
  });

  it('settles when the source ends before the command is seen to exit', async () => {
    const out = target();
    const { source, relay } = setup(out, 60_000);
    relay.chunk(Buffer.from('all\n'));
    source.end();
    source.resume();
    await relay.afterExit();
    expect(out.written).toEqual(['all\n']);
  });
});

describe('openOutputs', () => {
  it('relays nothing when stdout and stderr are terminals: the command inherits them', async () => {
    const output = await openOutputs(new SecretMasker(['s3cret']), () => true);
    expect(output.stdio).toBe('inherit');
    await output.afterExit();
  });

  it('gives the command a socket for each output that is not a terminal, and inherits the other', async () => {
    const output = await openOutputs(new SecretMasker(['s3cret']), (fd) => fd === 1);
    expect(output.stdio).toEqual(['inherit', 'inherit', expect.objectContaining({ writable: true })]);
    const [, , end] = output.stdio as unknown[];
    output.started({} as never);
    expect((end as { destroyed: boolean }).destroyed).toBe(true);
    await output.afterExit();
  });
});
