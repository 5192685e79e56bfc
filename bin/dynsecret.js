#!/usr/bin/env -S node --
import module from 'node:module';

// Node 22.1+ keeps compiled bytecode between runs; older versions simply skip it.
try {
  module.enableCompileCache?.();
} catch {
  // a cache that cannot be used is only a missed speed-up
}
const { main } = await import('../dist/dynsecret.js');
await main();
