import { defineConfig } from "vitest/config";

/*
 * The production smoke test (npm run test:production; CI runs it): the Dockerfile's install,
 * build and prune in a clean folder, then the release started, asked, health-checked and stopped
 * with SIGTERM, against the fake Discord. Kept out of `npm test` for its run time (an `npm ci`).
 */
export default defineConfig({
  test: {
    include: ["test/production/**/*.smoke.ts"],
    setupFiles: ["test/setup-no-network.ts"],
    pool: "forks",
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 600_000,
  },
});
