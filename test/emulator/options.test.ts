import { describe, expect, it } from 'vitest';
import { OptionError, parseArgv } from '../../src/emulator/options.js';

describe('emulator argv', () => {
  it.each([
    [[], {}],
    [['--port', '0'], { port: 0 }],
    [['--port', '8080', '--host', '0.0.0.0'], { port: 8080, host: '0.0.0.0' }],
    [['--apply-delay', '2s'], { applyDelayMs: 2000 }],
    [['--apply-delay', '0ms'], { applyDelayMs: 0 }],
    [['--nonce-lifetime', '5m'], { nonceLifetimeMs: 300_000 }],
    [['--latency', '150ms'], { latencyMs: 150 }],
    [['--latency', '250'], { latencyMs: 250 }],
    [['--clusters', 'Cluster0,Cluster1'], { clusters: ['Cluster0', 'Cluster1'] }],
    [['--clusters', 'Main'], { clusters: ['Main'] }],
    [['--max-users', '5'], { maxUsers: 5 }],
    [['--access-list-delay', '2s'], { accessListDelayMs: 2000 }],
    [['--access-list-delay', '0s'], { accessListDelayMs: 0 }],
    [['--clock-speed', '60'], { clockSpeed: 60 }],
    [['--client-ip', '203.0.113.9'], { clientIp: '203.0.113.9' }],
    [['--client-ip', '2001:db8::1'], { clientIp: '2001:db8::1' }],
    [['--rate-capacity', '10', '--rate-per-minute', '2'], { rateCapacity: 10, ratePerMinute: 2 }],
    [['--group-id', '0123456789abcdef01234567'], { groupId: '0123456789abcdef01234567' }],
    [['--public-key', 'abc', '--private-key', 'def'], { publicKey: 'abc', privateKey: 'def' }],
    [['--client-id', 'id', '--client-secret', 'secret'], { clientId: 'id', clientSecret: 'secret' }],
    [['--state-file', '/tmp/s.json'], { stateFile: '/tmp/s.json' }],
    [['--tls-cert', 'c.pem', '--tls-key', 'k.pem'], { tlsCert: 'c.pem', tlsKey: 'k.pem' }],
    [['--port=0', '--apply-delay=1s'], { port: 0, applyDelayMs: 1000 }],
  ])('%j → %j', (argv, options) => {
    expect(parseArgv(argv).options).toEqual(options);
  });

  it.each([
    [['--help'], { help: true, quiet: false }],
    [['-h'], { help: true, quiet: false }],
    [['--quiet'], { help: false, quiet: true }],
  ])('%j → %j', (argv, flags) => {
    expect(parseArgv(argv)).toMatchObject(flags);
  });

  it.each([
    [['--port', '-1'], '--port'],
    [['--port', '70000'], '--port'],
    [['--port', 'abc'], '--port'],
    [['--apply-delay', 'soon'], '--apply-delay'],
    [['--apply-delay', '-2s'], '--apply-delay'],
    [['--nonce-lifetime', '1h30m'], '--nonce-lifetime'],
    [['--nonce-lifetime', '0ms'], '--nonce-lifetime'],
    [['--max-users', '0'], '--max-users'],
    [['--access-list-delay', 'later'], '--access-list-delay'],
    [['--client-ip', 'localhost'], '--client-ip'],
    [['--client-ip', '203.0.113.0/24'], '--client-ip'],
    [['--group-id', 'ABCDEF0123456789abcdef01'], '--group-id'],
    [['--group-id', 'abc'], '--group-id'],
    [['--clusters', 'ok,bad_name'], '--clusters'],
    [['--clusters', 'a,a'], '--clusters'],
    [['--clusters', ''], '--clusters'],
    [['--tls-cert', 'c.pem'], '--tls-key'],
    [['--private-key', ' '], '--private-key'],
    [['--frobnicate'], 'frobnicate'],
    [['positional'], 'positional'],
    [['--port'], 'port'],
  ])('%j is refused, naming %s', (argv, named) => {
    expect(() => parseArgv(argv)).toThrow(OptionError);
    expect(() => parseArgv(argv)).toThrow(named);
  });

  it('does not repeat a secret it refuses', () => {
    expect(() => parseArgv(['--client-secret', ''])).toThrow(/^--client-secret needs a value$/);
  });
});
