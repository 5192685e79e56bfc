import { revokeStep, runStep } from './steps.js';

/** The action's `post`: revoke the lease `main` saved; never fails the job (see steps.ts). */
runStep(revokeStep, true);
