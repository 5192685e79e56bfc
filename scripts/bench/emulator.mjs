/* global fetch */
// The Atlas stand-in for the bench: the bundled emulator in its own process, with its request log as the
// request counter (every /api/… request, 401 challenges and 429s included).
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { EMULATOR_BIN } from './paths.mjs';

export async function startEmulator(args) {
  const child = spawn(process.execPath, [EMULATOR_BIN, '--port', '0', '--quiet', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the emulator exited ${code} before it printed its address`)));
    createInterface({ input: child.stdout }).once('line', resolve);
  });
  const info = JSON.parse(line);
  const control = async (method, path, body) => {
    const response = await fetch(`${info.url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`emulator ${method} ${path}: HTTP ${response.status}`);
    return response.status === 204 ? undefined : response.json();
  };
  return {
    ...info,
    /** The logged /api/… requests since the last clear. */
    requests: async () => {
      const body = await control('GET', '/__emulator/requests');
      return Array.isArray(body) ? body : body.requests;
    },
    clearRequests: () => control('DELETE', '/__emulator/requests'),
    state: () => control('GET', '/__emulator/state'),
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', resolve);
        child.kill('SIGTERM');
      }),
  };
}
