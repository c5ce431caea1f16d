// ESLint (flat config) for the pages' modules, templates/static/js/ (make lint; development only).
import js from "@eslint/js";
import globals from "globals";

export default [
  { ignores: ["node_modules/", ".venv/", "sample_reports/", "benchmarks/", "site/", "build/"] },
  {
    files: ["templates/static/js/**/*.js"],
    ...js.configs.recommended,
    languageOptions: {
      ecmaVersion: 2017,
      // Classic scripts sharing one namespace: ES modules do not load from file://.
      sourceType: "script",
      globals: { ...globals.browser, reportgen: "writable" },
    },
    rules: {
      ...js.configs.recommended.rules,
      "no-redeclare": ["error", { builtinGlobals: false }],
      "no-unused-vars": ["error", { vars: "local", args: "none", caughtErrors: "none" }],
      "eqeqeq": ["error", "smart"],
      "no-var": "off",
      "strict": "off",
      "no-implicit-globals": "error",
    },
  },
];
