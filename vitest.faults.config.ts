import { defineConfig } from "vitest/config";

/*
 * The fault-injection suite (npm run test:faults): damages every file of a
 * build and kills ingests, in child processes. Kept out of `npm test` for its
 * run time; its files end in .faults.ts so the main config never picks them up.
 */
export default defineConfig({
  test: {
    include: ["test/faults/**/*.faults.ts"],
    setupFiles: ["test/setup-no-network.ts"],
    pool: "forks",
    fileParallelism: false,
    testTimeout: 600_000,
    hookTimeout: 300_000,
  },
});
