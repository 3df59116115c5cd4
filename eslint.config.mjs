// @ts-check
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * What review used to catch alone: floating promises, promises where callbacks are expected, and
 * I/O creeping into workflow code (which must stay deterministic and bundle without Node).
 */

/** What workflow code may import as values: the SDK's workflow API, shared definitions, pure modules. */
const WORKFLOW_VALUE_IMPORTS = [
  '@temporalio/workflow',
  './…, ../… inside src/workflows',
  'src/shared/*',
  'src/payments/money',
  'src/reconciliation/{totals,window}',
  'src/customers/redact',
].join(', ');

export default tseslint.config(
  { ignores: ['node_modules/', 'lib/', '.tools/', 'data/', 'coverage/', 'test/fixtures/'] },
  {
    files: ['**/*.ts', '**/*.mjs', '**/*.js'],
    extends: [eslint.configs.recommended, ...tseslint.configs.recommended],
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['*.mjs', '*.js', 'scripts/*.mjs', 'test/support/*.js'] },
        tsconfigRootDir: import.meta.dirname,
      },
      globals: {
        process: 'readonly',
        console: 'readonly',
        URL: 'readonly',
        require: 'readonly',
        module: 'writable',
        __dirname: 'readonly',
      },
    },
    rules: {
      // A handler read by a closure before it is assigned (servers that start before their routes) stays `let`.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      // Prettier wraps code at 120; comments too. Long messages stay whole, so they can be searched for.
      'max-len': [
        'error',
        { code: 120, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreUrls: true, ignoreRegExpLiterals: true },
      ],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
    },
  },
  {
    // The connector itself: a nullable number or an untyped value in a condition is where 0 and
    // "missing" get confused, and that costs money. Plain numbers stay allowed (comparator chains).
    files: ['src/**/*.ts'],
    rules: {
      '@typescript-eslint/strict-boolean-expressions': [
        'error',
        {
          allowString: true,
          allowNumber: true,
          allowNullableObject: true,
          allowNullableBoolean: true,
          allowNullableString: true,
          allowNullableNumber: false,
          allowAny: false,
        },
      ],
    },
  },
  {
    files: ['src/workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(?!@temporalio/workflow$|\\.{1,2}/)',
              allowTypeImports: true,
              message: `Workflow code must stay deterministic: import values only from ${WORKFLOW_VALUE_IMPORTS}.`,
            },
            {
              regex: '^\\.\\./\\.\\./(?!shared/|payments/money$|reconciliation/(totals|window)$|customers/redact$)',
              allowTypeImports: true,
              message: `Workflow code must stay deterministic: import values only from ${WORKFLOW_VALUE_IMPORTS}.`,
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
