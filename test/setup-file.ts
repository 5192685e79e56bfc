import { afterAll, afterEach } from 'vitest';
import { endFile, endTest } from './helpers/file-end.js';

// Before every test file: its helpers' cleanups run when it ends, and after each of its tests (see helpers/file-end.ts).
afterAll(endFile);
afterEach(endTest);
