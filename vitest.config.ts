import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    setupFiles: ["test/setup-no-network.ts"],
    // Native addons (hnswlib-node, onnxruntime-node) and the TF.js model are
    // safest in forked processes rather than worker threads.
    pool: "forks",
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
