import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { EmbeddingsInterface } from "@langchain/core/embeddings";

/*
 * The stock LangChain pipeline lives in ./stock/ with its own install
 * (`npm run bench:setup`): @langchain/community needs legacy peer-dependency
 * resolution, which must not apply to the project's install. This file is
 * all the project sees of it: the interface, and a loader that says what to
 * do when that install is missing or stale instead of failing with a stack
 * trace. It imports the pipeline at run time by a path the project's type
 * check does not follow.
 */

export const STOCK_DIR = path.join(import.meta.dirname, "stock");
const REPO = path.resolve(import.meta.dirname, "../..");
const COMMUNITY = "@langchain/community";

export interface StockPipeline {
  readonly chunks: number;
  /** Reading the files, splitting, embedding every chunk and building the index. */
  readonly ingestMs: number;
}

export interface StockModule {
  buildStock(corpusDir: string, embeddings: EmbeddingsInterface): Promise<StockPipeline>;
  stockSearch(stock: StockPipeline, question: string): Promise<{ source: string; text: string }[]>;
}

/** The stock pipeline cannot be loaded; the message says why and what to run. */
export class StockSetupError extends Error {}

const SETUP = "Run `npm run bench:setup` once (it installs the stock pipeline into test/bench/stock/ only, from test/bench/stock/package-lock.json), then run the benchmark again.";

async function installedVersion(dir: string, name: string): Promise<string | undefined> {
  try {
    return (JSON.parse(await readFile(path.join(dir, "node_modules", name, "package.json"), "utf8")) as { version?: string }).version;
  } catch {
    return undefined;
  }
}

export async function loadStock(): Promise<StockModule> {
  const manifest = JSON.parse(await readFile(path.join(STOCK_DIR, "package.json"), "utf8")) as { dependencies: Record<string, string> };
  const wanted = manifest.dependencies[COMMUNITY];
  const installed = await installedVersion(STOCK_DIR, COMMUNITY);
  if (installed === undefined) {
    throw new StockSetupError(`The stock LangChain pipeline the benchmark compares against is not installed (no ${COMMUNITY} in test/bench/stock/node_modules). ${SETUP}`);
  }
  if (installed !== wanted) {
    throw new StockSetupError(`test/bench/stock/ has ${COMMUNITY} ${installed} installed, but its package.json pins ${wanted}. ${SETUP}`);
  }
  // One @langchain/core for both pipelines: the stock folder installs none and resolves the project's.
  const fromStock = createRequire(path.join(STOCK_DIR, "package.json")).resolve("@langchain/core/package.json");
  const fromProject = createRequire(path.join(REPO, "package.json")).resolve("@langchain/core/package.json");
  if (fromStock !== fromProject) {
    throw new StockSetupError(`test/bench/stock/ resolves its own @langchain/core (${fromStock}) instead of the project's (${fromProject}); remove it from test/bench/stock/package.json. ${SETUP}`);
  }
  try {
    const loaded = (await import(pathToFileURL(path.join(STOCK_DIR, "stock-langchain.ts")).href)) as { default: StockModule };
    return loaded.default;
  } catch (error) {
    if ((error as { code?: string }).code === "ERR_MODULE_NOT_FOUND") {
      throw new StockSetupError(
        `The stock LangChain pipeline could not be loaded: ${(error as Error).message.split("\n")[0]}. If the missing package is the project's own (hnswlib-node, @langchain/core), run \`npm ci\` first. ${SETUP}`,
        { cause: error },
      );
    }
    throw error;
  }
}
