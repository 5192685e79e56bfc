import { afterAll } from 'vitest';
import { endFile } from './helpers/file-end.js';

// Before every test file: its helpers' cleanups run when it ends (see helpers/file-end.ts).
afterAll(endFile);
