// The module boundaries `npm test` enforces (docs/ARCHITECTURE.md explains them): faces, layers, no cycles.
const CAPABILITIES = 'activities|admin|athletes|connection|db|events|i18n|imports|insights|privacy|stats|strava|tokens';
const PRODUCTION = '^(app|functions|shared)/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment: 'No production module imports itself back through others, not even for a type: a cycle blurs the layers.',
      from: { path: '^(app|functions|shared|scripts)/' },
      to: { circular: true },
    },
    {
      name: 'no-runtime-cycles-in-tools',
      severity: 'error',
      comment: "The sandbox, the tests and the benchmarks have no cycle that runs; the sandbox route files and their shared context still name each other's types.",
      from: { path: '^(dev|test|bench)/' },
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'no-folder-cycles',
      severity: 'error',
      comment: 'No two folders depend on each other (e.g. activities and events): capabilities form layers.',
      scope: 'folder',
      from: { pathNot: '^node_modules' },
      to: { circular: true },
    },
    {
      name: 'capability-face-only-from-shared',
      severity: 'error',
      comment: 'Another capability uses only its face (index.ts), never its files or its SQL.',
      from: { path: '^shared/([^/]+)/' },
      to: { path: `^shared/(${CAPABILITIES})/`, pathNot: ['^shared/$1/', `^shared/(${CAPABILITIES})/index\\.ts$`] },
    },
    {
      name: 'capability-face-only-from-entry-points',
      severity: 'error',
      comment:
        'The app, the functions, the laptop stack, the scripts and the benchmarks use a capability through its face only, so none of them imports a module that holds SQL. Tests may reach inside to test a part.',
      from: { path: '^(app|functions|dev|scripts|bench|shared/[^/]+\\.ts$)' },
      to: { path: `^shared/(${CAPABILITIES})/`, pathNot: `^shared/(${CAPABILITIES})/index\\.ts$` },
    },
    {
      name: 'entry-points-hold-no-sql',
      severity: 'error',
      comment: 'app/ and functions/ never talk to the database driver themselves: every query belongs to a capability.',
      from: { path: '^(app|functions)/' },
      to: { path: '^node_modules/(pg|pg-pool)/' },
    },
    {
      name: 'domain-knows-no-platform',
      severity: 'error',
      comment: 'Capabilities do not know whether they run on App Engine, in a function, on a laptop or in a test: no buses, Secret Manager, connector or config.',
      from: { path: `^shared/(${CAPABILITIES})/` },
      to: { path: ['^shared/platform/', '^shared/services\\.ts$'] },
    },
    {
      name: 'shared-knows-no-entry-point',
      severity: 'error',
      comment: 'shared/ is used by the entry points, never the other way round.',
      from: { path: '^shared/' },
      to: { path: '^(app|functions|dev|scripts|bench|test)/' },
    },
    {
      name: 'production-never-imports-dev-test-or-bench',
      severity: 'error',
      comment: 'The laptop stack, the sandbox, the tests and the benchmarks are never part of a deployment.',
      from: { path: PRODUCTION },
      to: { path: '^(dev|test|bench)/' },
    },
    {
      name: 'functions-are-not-the-app',
      severity: 'error',
      comment: 'The functions deploy without app/; the app does not reach into functions/.',
      from: { path: '^(functions|app)/' },
      to: { path: '^(app|functions)/', pathNot: '^$1/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: ['^dist/', '^node_modules/\\.cache/', '\\.d\\.m?ts$'] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    parser: 'swc',
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
