import tseslint from "typescript-eslint";

export default tseslint.config(
  // What the build, npm start, npm run bench and npm run release write is not source.
  {
    ignores: [
      "dist/**",
      "node_modules/**",
      "schemas/generated/**",
      "out/**",
      "bin/**",
      ".bench/**",
      "release/**",
    ],
  },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", ignoreRestSiblings: true },
      ],
    },
  },
  { files: ["eslint.config.mjs"], ...tseslint.configs.disableTypeChecked },
);
