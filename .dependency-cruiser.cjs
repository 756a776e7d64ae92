/**
 * The room rules (ARCHITECTURE.md), checked by `npm run depcheck` inside `npm test`.
 * Infra and shared know no module; a module reaches another module through its service or its
 * events file, never its entities; nothing imports in a circle.
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'infra-shared-not-to-modules',
      comment: 'src/infra and src/shared are below the modules: they may not import them.',
      severity: 'error',
      from: { path: '^src/(infra|shared)/' },
      to: { path: '^src/modules/' },
    },
    {
      name: 'no-foreign-entities',
      comment: "A module never imports another module's entities: it calls that module's service.",
      severity: 'error',
      from: { path: '^src/modules/([^/]+)/' },
      to: { path: '^src/modules/([^/]+)/.+[.]entity[.]ts$', pathNot: '^src/modules/$1/' },
    },
    {
      name: 'no-circular',
      comment: 'No import cycles.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^src/graphql/playground/client/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'], exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
