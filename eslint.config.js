// Lint: typescript-eslint recommended, plus the one-way dependency order of the layout
// wbxml <- policy/access/devices (domain) <- store (interfaces; backends) <- eas (gate, commands)
// <- http/admin/cli (composition root: the only place that picks a store backend).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const layer = (from, forbidden) => ({
  files: [`src/${from}/**/*.ts`],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: forbidden.map((dir) => ({
          group: [`**/${dir}/*`, `**/${dir}/**`],
          message: `src/${from} must not import src/${dir} (see CONTRIBUTING.md, layout)`,
        })),
      },
    ],
  },
});

export default tseslint.config(
  { ignores: ['node_modules/**', 'data/**', 'coverage/**', 'web/dist/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  layer('wbxml', [
    'eas',
    'policy',
    'access',
    'devices',
    'store',
    'mail',
    'push',
    'http',
    'admin',
    'cli',
    'client',
    'auth',
  ]),
  layer('policy', ['eas', 'store', 'http', 'admin', 'cli', 'client']),
  layer('access', ['eas', 'store/sqlite', 'store/postgres', 'http', 'admin', 'cli', 'client']),
  layer('devices', ['eas', 'store/sqlite', 'store/postgres', 'http', 'admin', 'cli', 'client']),
  layer('store', ['eas', 'http', 'admin', 'cli', 'client']),
  layer('eas', ['store/sqlite', 'store/postgres', 'http', 'admin', 'cli', 'client']),
  layer('client', ['store', 'eas/commands', 'http', 'admin', 'cli', 'policy', 'devices', 'access']),
);
