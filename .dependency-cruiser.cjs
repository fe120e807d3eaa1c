// The module boundaries `npm test` enforces (docs/ARCHITECTURE.md explains them): faces, layers, no cycles.
const CAPABILITIES =
  'activities|admin|archive|athletes|connection|db|delivery|efforts|events|gear|goals|i18n|imports|insights|privacy|stats|strava|telegram|tokens';
const FACE = `^shared/(${CAPABILITIES})/index\\.ts$`;

/** Every rule is an error: a boundary the tools do not hold is one that erodes. */
const rule = (name, comment, from, to, extra = {}) => ({ name, severity: 'error', comment, from, to, ...extra });

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    rule(
      'no-cycles',
      'No module imports itself back through others, not even for a type: a cycle blurs the layers. The sandbox, the tests and the benchmarks are held to it as well.',
      { path: '^(app|functions|shared|scripts|dev|test|bench)/' },
      { circular: true },
    ),
    rule(
      'no-folder-cycles',
      'No two folders depend on each other (e.g. activities and events): capabilities form layers.',
      { pathNot: '^node_modules' },
      { circular: true },
      { scope: 'folder' },
    ),
    rule(
      'capability-face-only-from-shared',
      'Another capability uses only its face (index.ts), never its files or its SQL.',
      { path: '^shared/([^/]+)/' },
      { path: `^shared/(${CAPABILITIES})/`, pathNot: ['^shared/$1/', FACE] },
    ),
    rule(
      'capability-face-only-from-entry-points',
      'The app, the functions, the laptop stack, the scripts and the benchmarks use a capability through its face only, so none of them imports a module that holds SQL. Tests may reach inside to test a part.',
      { path: '^(app|functions|dev|scripts|bench|shared/[^/]+\\.ts$)' },
      { path: `^shared/(${CAPABILITIES})/`, pathNot: FACE },
    ),
    rule(
      'entry-points-hold-no-sql',
      'app/ and functions/ never talk to the database driver themselves: every query belongs to a capability.',
      { path: '^(app|functions)/' },
      { path: '^node_modules/(pg|pg-pool)/' },
    ),
    rule(
      'domain-knows-no-platform',
      'Capabilities do not know whether they run on App Engine, in a function, on a laptop or in a test: no buses, Secret Manager, connector or config.',
      { path: `^shared/(${CAPABILITIES})/` },
      { path: ['^shared/platform/', '^shared/services\\.ts$'] },
    ),
    rule(
      'shared-knows-no-entry-point',
      'shared/ is used by the entry points, never the other way round.',
      { path: '^shared/' },
      { path: '^(app|functions|dev|scripts|bench|test)/' },
    ),
    rule(
      'production-never-imports-dev-test-or-bench',
      'The laptop stack, the sandbox, the tests and the benchmarks are never part of a deployment.',
      { path: '^(app|functions|shared)/' },
      { path: '^(dev|test|bench)/' },
    ),
    rule(
      'functions-are-not-the-app',
      'The functions deploy without app/; the app does not reach into functions/.',
      { path: '^(functions|app)/' },
      { path: '^(app|functions)/', pathNot: '^$1/' },
    ),
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Hand-written .d.mts declarations are read by swc as code; the modules they describe are cruised themselves.
    exclude: { path: ['^dist/', '^node_modules/\\.cache/', '\\.d\\.m?ts$'] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    // TypeScript 7 has no JavaScript API dependency-cruiser can use yet; swc reads the sources instead.
    parser: 'swc',
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
