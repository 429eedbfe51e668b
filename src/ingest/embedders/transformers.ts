import { existsSync } from "node:fs";
import path from "node:path";
import { Embeddings } from "@langchain/core/embeddings";
import { AppError, errorDetail } from "../../errors.js";
import type { TransformersConfig } from "../../config.js";
import type { Logger } from "../../log.js";
import { batches, type EmbeddingProvider } from "./provider.js";

/*
 * Sentence embeddings from an ONNX model through @xenova/transformers. The
 * model is looked up in the local model folder, then the cache folder, then
 * (if allowed) downloaded from the Hugging Face hub into the cache.
 */

interface Tensor {
  dims: number[];
  tolist(): number[][];
}
type Extractor = (texts: string[], options: { pooling: "cls" | "mean"; normalize: boolean }) => Promise<Tensor>;

/**
 * Everything that changes document vectors. The query prefix is not part of
 * it: it changes only question vectors, so changing it needs no re-indexing.
 */
export function transformersEmbedderId(cfg: TransformersConfig): string {
  return `transformers:${cfg.model}:${cfg.pooling}:${cfg.normalize ? "norm" : "raw"}:${cfg.quantized ? "q8" : "fp32"}`;
}

export class TransformersEmbeddings extends Embeddings implements EmbeddingProvider {
  readonly id: string;
  readonly dimensions: number;
  readonly #extract: Extractor;
  readonly #cfg: TransformersConfig;
  readonly #batchSize: number;

  private constructor(extract: Extractor, cfg: TransformersConfig, batchSize: number, dimensions: number) {
    super({ maxConcurrency: 1 });
    this.#extract = extract;
    this.#cfg = cfg;
    this.#batchSize = batchSize;
    this.dimensions = dimensions;
    this.id = transformersEmbedderId(cfg);
  }

  /** Loads the model (downloading it only when allowed). Throws AppError(EMBEDDER_UNAVAILABLE) saying why and what to do. */
  static async load(cfg: TransformersConfig, batchSize: number, log: Logger): Promise<TransformersEmbeddings> {
    let extract: Extractor;
    try {
      // Inside the try: a broken native dependency (onnxruntime-node, sharp) must lead to the fallback, not a crash.
      const { pipeline, env } = await import("@xenova/transformers");
      // The library keeps these as process-wide settings; one process serves one embedder config.
      env.localModelPath = cfg.localModelDir;
      env.allowLocalModels = true;
      env.allowRemoteModels = cfg.allowRemote;
      env.cacheDir = cfg.cacheDir;
      extract = (await pipeline("feature-extraction", cfg.model, {
        quantized: cfg.quantized,
        cache_dir: cfg.cacheDir,
        progress_callback: (p: { status?: string; file?: string }) => {
          if (p.status !== "download" || !p.file) return;
          // The library says "download" for every file it opens, also those already on disk: only a
          // file in neither the cache nor the local model folder is really fetched (once, on a first start).
          const onDisk = [cfg.cacheDir, cfg.localModelDir].some((dir) => existsSync(path.join(dir, cfg.model, p.file ?? "")));
          if (onDisk) log.debug("embedder.file", { model: cfg.model, file: p.file });
          else log.info("embedder.download", { model: cfg.model, file: p.file });
        },
      })) as unknown as Extractor;
    } catch (error) {
      const { message, lasts } = diagnoseLoadFailure(cfg, error);
      throw new ModelUnavailable(message, lasts, error);
    }
    let probe: Tensor;
    try {
      probe = await extract(["dimension probe"], { pooling: cfg.pooling, normalize: cfg.normalize });
    } catch (error) {
      throw new AppError(
        "EMBEDDER_UNAVAILABLE",
        `The model ${cfg.model} loaded but could not embed text (${errorDetail(error)}). Is it a feature-extraction (sentence embedding) model?`,
        { cause: error },
      );
    }
    const dims = probe.dims.at(-1);
    if (probe.dims.length !== 2 || !dims) {
      throw new AppError(
        "EMBEDDER_UNAVAILABLE",
        `The model ${cfg.model} returned output of shape [${probe.dims.join(", ")}]; expected [batch, dimensions]. Check TRANSFORMERS_POOLING.`,
      );
    }
    return new TransformersEmbeddings(extract, cfg, batchSize, dims);
  }

  async embedDocuments(texts: string[]): Promise<number[][]> {
    const out: number[][] = [];
    for (const batch of batches(texts, this.#batchSize)) {
      const tensor = await this.#extract(batch, { pooling: this.#cfg.pooling, normalize: this.#cfg.normalize });
      out.push(...tensor.tolist());
    }
    return out;
  }

  async embedQuery(text: string): Promise<number[]> {
    const tensor = await this.#extract([this.#cfg.queryPrefix + text], {
      pooling: this.#cfg.pooling,
      normalize: this.#cfg.normalize,
    });
    const [vector] = tensor.tolist();
    if (!vector) throw new Error(`${this.#cfg.model} returned no vector`);
    return vector;
  }
}

/**
 * The model could not be loaded. `lasts`: the failure will repeat until the model's folders change (not on disk
 * with downloads off, or no such model on the hub), rather than perhaps pass (the hub unreachable, a broken file).
 */
export class ModelUnavailable extends AppError {
  readonly lasts: boolean;

  constructor(message: string, lasts: boolean, cause: unknown) {
    super("EMBEDDER_UNAVAILABLE", message, { cause });
    this.lasts = lasts;
  }
}

/** Turns the library's error into what happened and what the operator can do about it. */
export function explainLoadFailure(cfg: TransformersConfig, error: unknown): string {
  return diagnoseLoadFailure(cfg, error).message;
}

function diagnoseLoadFailure(cfg: TransformersConfig, error: unknown): { message: string; lasts: boolean } {
  const detail = errorDetail(error);
  const cause = (error as { cause?: { code?: string } } | undefined)?.cause;
  const where = `${path.join(cfg.localModelDir, cfg.model)}${path.sep} or the cache ${cfg.cacheDir}`;
  const offlineHelp =
    `To run offline, download the model once on a machine with internet (see "Using a downloaded model offline" in the README) ` +
    `and put it in ${path.join(cfg.localModelDir, cfg.model)}${path.sep}, or set TRANSFORMERS_LOCAL_MODEL_DIR / TRANSFORMERS_CACHE_DIR to where it is; ` +
    `or set EMBEDDER=use for the built-in offline embedder.`;
  if (/allowRemoteModels=false|local_files_only/.test(detail)) {
    return { lasts: true, message: `The embedding model ${cfg.model} is not in ${where}, and downloads are off (TRANSFORMERS_ALLOW_REMOTE=false). ${offlineHelp}` };
  }
  if (/fetch failed|ENOTFOUND|ECONNREFUSED|ETIMEDOUT|EAI_AGAIN|ECONNRESET|network/i.test(`${detail} ${cause?.code ?? ""}`)) {
    return { lasts: false, message: `The embedding model ${cfg.model} is not in ${where}, and the Hugging Face hub could not be reached to download it (${cause?.code ?? detail}). ${offlineHelp}` };
  }
  if (/\b(401|403|404)\b|Not Found|Unauthorized/.test(detail)) {
    return { lasts: true, message: `The hub has no model ${cfg.model} that can be downloaded (${detail}). Check TRANSFORMERS_MODEL: it must be an ONNX export such as Xenova/bge-small-en-v1.5.` };
  }
  return { lasts: false, message: `The embedding model ${cfg.model} could not be loaded: ${detail}. ${offlineHelp}` };
}
