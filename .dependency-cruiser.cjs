/* global module */
// The direction of every import in src/, checked by `npm run lint` (README "Layout"):
//   cli → commands → service → {atlas, store, output, config, audit} → rules → {fs, errors}
// and no command imports another (a command with several parts keeps them in its own folder).
// The emulator shares nothing with the client, and the client nothing with the emulator.
const LOWER = ['atlas', 'store', 'output', 'config', 'audit'];
const folder = (names) => `^src/(${names.join('|')})/`;

module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      comment: 'A cycle hides which module is the lower one.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'emulator-stands-alone',
      comment: 'The emulator implements the Atlas contract on its own: it imports nothing of the client.',
      severity: 'error',
      from: { path: '^src/emulator/' },
      to: { path: '^src/', pathNot: '^src/emulator/' },
    },
    {
      name: 'nothing-imports-the-emulator',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/emulator/' },
      to: { path: '^src/emulator/' },
    },
    {
      name: 'only-the-cli-knows-the-terminal',
      comment: 'Commands are reached through the CLI; nothing below the commands imports them or the CLI.',
      severity: 'error',
      from: { path: folder(['service', 'rules', 'fs', ...LOWER]) },
      to: { path: '^src/(cli|commands)(/|\\.ts$)' },
    },
    {
      name: 'the-service-is-above-the-libraries',
      comment: 'atlas, store, output, config and audit are used by the service, never the other way round.',
      severity: 'error',
      from: { path: folder(['rules', 'fs', ...LOWER]) },
      to: { path: '^src/service/' },
    },
    {
      name: 'rules-are-pure',
      comment: 'src/rules/ takes values (and now) and returns values: it imports only errors and other rules.',
      severity: 'error',
      from: { path: '^src/rules/' },
      to: { path: '^src/', pathNot: '^src/(rules/|errors\\.ts$)' },
    },
    {
      name: 'fs-and-errors-are-the-floor',
      severity: 'error',
      from: { path: '^src/(fs/|errors\\.ts$)' },
      to: { path: '^src/', pathNot: '^src/(fs/|errors\\.ts$)' },
    },
    {
      name: 'no-command-imports-another',
      comment:
        'A command is NAME.command.ts, NAME.ts or the folder NAME/; what two commands share belongs in the service ' +
        "or a library below it. define.ts is the definitions' common ground.",
      severity: 'error',
      from: { path: '^src/commands/([^/.]+)' },
      to: { path: '^src/commands/', pathNot: ['^src/commands/$1([./]|$)', '^src/commands/define\\.ts$'] },
    },
    {
      name: 'atlas-has-two-doors',
      comment:
        'Outside src/atlas/, the client comes from index.ts and the error types from error-types.ts (which the ' +
        'error path loads without the client).',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/atlas/' },
      to: { path: '^src/atlas/', pathNot: '^src/atlas/(index|error-types)\\.ts$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '\\.d\\.ts$' },
  },
};
