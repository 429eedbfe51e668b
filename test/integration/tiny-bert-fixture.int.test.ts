import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { env, pipeline, type Tensor } from "@xenova/transformers";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { writeTinyBertModel, type TinyBertModel } from "../fixtures/tiny-bert.js";
import { within } from "../helpers.js";

type Matrix = number[][];

function toMatrix(tensor: Tensor): Matrix {
  const [rows, cols] = tensor.dims;
  if (tensor.dims.length !== 2 || rows === undefined || cols === undefined) {
    throw new Error(`expected a 2-D tensor, got dims ${JSON.stringify(tensor.dims)}`);
  }
  const data = Array.from(tensor.data as Float32Array);
  return Array.from({ length: rows }, (_, r) => data.slice(r * cols, (r + 1) * cols));
}

function dot(a: readonly number[], b: readonly number[]): number {
  return a.reduce((sum, x, i) => sum + x * (b[i] ?? Number.NaN), 0);
}

function norm(a: readonly number[]): number {
  return Math.sqrt(dot(a, a));
}

function cosine(a: readonly number[], b: readonly number[]): number {
  return dot(a, b) / (norm(a) * norm(b));
}

function row(m: Matrix, i: number): number[] {
  const r = m[i];
  if (!r) throw new Error(`row ${i} out of range (${m.length} rows)`);
  return r;
}

function idOf(model: TinyBertModel, token: string): number {
  const id = model.vocab.indexOf(token);
  if (id < 0) throw new Error(`fixture vocab lacks ${token}`);
  return id;
}


describe("tiny-bert fixture with @xenova/transformers feature-extraction", () => {
  let rootDir: string;
  let model: TinyBertModel;
  // transformers.js only reaches the network through global fetch; any call
  // at all means a file was missing locally or a setting leaked.
  const fetchSpy = vi.fn(async (input: unknown) => {
    throw new Error(`network access attempted in offline test: ${String(input)}`);
  });
  const savedEnv = {
    localModelPath: env.localModelPath,
    allowRemoteModels: env.allowRemoteModels,
    allowLocalModels: env.allowLocalModels,
    useFSCache: env.useFSCache,
  };

  beforeAll(async () => {
    rootDir = await mkdtemp(path.join(os.tmpdir(), "tiny-bert-"));
    model = await writeTinyBertModel(rootDir);
    env.localModelPath = model.rootDir;
    env.allowRemoteModels = false;
    env.allowLocalModels = true;
    // The FS cache (node_modules/@xenova/transformers/.cache) is consulted
    // *before* localModelPath, so a stale entry under the same id could
    // shadow the fixture.
    env.useFSCache = false;
    vi.stubGlobal("fetch", fetchSpy);
  });

  afterAll(async () => {
    vi.unstubAllGlobals();
    Object.assign(env, savedEnv);
    if (rootDir) await rm(rootDir, { recursive: true, force: true });
  });

  it.each([true, false])("embeds with mean pooling and normalisation (quantized: %s)", async (quantized) => {
    const warn = vi.spyOn(console, "warn");
    try {
      const pipe = await pipeline("feature-extraction", model.modelId, { quantized });
      // A warning here would mean e.g. an onnxruntime-node load failure that
      // transformers.js papers over with a wasm fallback.
      expect(warn).not.toHaveBeenCalled();

      const out = await pipe(["china trade deficit", "russia ukraine war", "china trade deficit"], {
        pooling: "mean",
        normalize: true,
      });
      expect(out.dims).toEqual([3, model.hiddenSize]);
      const m = toMatrix(out);
      for (const r of m) expect(norm(r)).toBeCloseTo(1, 5);
      expect(row(m, 2)).toEqual(row(m, 0));
      expect(cosine(row(m, 0), row(m, 1))).toBeLessThan(0.99);
      expect(m.flat().every(Number.isFinite)).toBe(true);

      const cls = await pipe(["china trade deficit", "russia ukraine war"], { pooling: "cls" });
      expect(cls.dims).toEqual([2, model.hiddenSize]);
      const c = toMatrix(cls);
      expect(cosine(row(c, 0), row(c, 1))).toBeLessThan(0.99);
      await pipe.dispose();
    } finally {
      warn.mockRestore();
    }
  });

  it("gives a text the same vector regardless of batch padding", async () => {
    const pipe = await pipeline("feature-extraction", model.modelId);
    const alone = toMatrix(await pipe(["china"], { pooling: "mean", normalize: true }));
    const padded = toMatrix(
      await pipe(["china", "eu china summit in beijing on trade and tariffs"], { pooling: "mean", normalize: true }),
    );
    const a = row(alone, 0);
    const b = row(padded, 0);
    a.forEach((x, i) => expect(b[i]).toBeCloseTo(x, 5));
    await pipe.dispose();
  });

  it("uses a real WordPiece tokenizer", async () => {
    const pipe = await pipeline("feature-extraction", model.modelId);
    const { tokenizer } = pipe;

    const encoded = tokenizer("Chinas trade") as { input_ids: Tensor; token_type_ids: Tensor };
    const ids = Array.from(encoded.input_ids.data as BigInt64Array, Number);
    expect(ids).toEqual(["[CLS]", "china", "##s", "trade", "[SEP]"].map((t) => idOf(model, t)));

    expect(tokenizer.encode("blorft")).toEqual(["[CLS]", "[UNK]", "[SEP]"].map((t) => idOf(model, t)));
    expect(tokenizer.decode(tokenizer.encode("Chinas trade"), { skip_special_tokens: true })).toBe("chinas trade");

    // Sentence B must reach the second segment embedding, otherwise the
    // token_type_ids input would be dead weight.
    const pair = tokenizer("china", { text_pair: "eu" }) as { token_type_ids: Tensor };
    expect(Array.from(pair.token_type_ids.data as BigInt64Array, Number)).toEqual([0, 0, 0, 1, 1]);
    await pipe.dispose();
  });

  it("is deterministic per seed", async () => {
    const other = await mkdtemp(path.join(os.tmpdir(), "tiny-bert-seed-"));
    try {
      const same = await writeTinyBertModel(path.join(other, "same"));
      const reseeded = await writeTinyBertModel(path.join(other, "reseeded"), { seed: 7 });
      const bytes = (m: TinyBertModel) => readFile(path.join(m.modelDir, "onnx", "model.onnx"));
      expect((await bytes(same)).equals(await bytes(model))).toBe(true);
      expect((await bytes(reseeded)).equals(await bytes(model))).toBe(false);
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });

  it("rejects, without touching the network, for a model id that is not on disk", async () => {
    await expect(within(10_000, pipeline("feature-extraction", "test/does-not-exist"))).rejects.toThrow(
      /allowRemoteModels=false.*not found locally/,
    );
  });

  it("never called fetch", () => {
    expect(fetchSpy).not.toHaveBeenCalled();
  });
});
