#!/usr/bin/env -S node --
import module from 'node:module';

try {
  module.enableCompileCache?.();
} catch {
  // a cache that cannot be used is only a missed speed-up
}
const { main } = await import('../dist/emulator.js');
await main();
