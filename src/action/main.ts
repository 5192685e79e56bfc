import { leaseStep, runStep } from './steps.js';

/** The action's `main`: lease, mask, export to the job, save the lease id (see steps.ts). */
runStep(leaseStep);
