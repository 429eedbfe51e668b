/*
 * Random-weight BERT encoders of the exact shapes of the models users run,
 * for timing only: the default (bge-small-en-v1.5: 12 layers) and
 * all-MiniLM-L6-v2 (6 layers), both hidden 384, 12 heads, intermediate 1536,
 * 512 positions, a WordPiece vocabulary of 30,522 tokens; fp32
 * (onnx/model.onnx) and int8 (onnx/model_quantized.onnx, the node pattern of
 * onnxruntime's dynamic quantisation: DynamicQuantizeLinear + MatMulInteger
 * for every weight matrix, the word table stored as int8 and dequantised after
 * its Gather). No weights can be downloaded here, and compute does not depend
 * on weight values, so these give the default model's speed and memory, never
 * its quality. Written once under the data folder (not in git) by
 * `ensureRealShapeModel` and loaded through our own transformers embedder.
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import onnxProto from "onnx-proto";
import type { onnx as OnnxTypes } from "onnx-proto";
import { buildTokenizerConfig, buildTokenizerJson, buildVocab, node, tensorValueInfo } from "../fixtures/tiny-bert.js";
import { mulberry32 } from "../fixtures/prng.js";

const { onnx } = onnxProto;

export interface ModelShape {
  /** The real model it stands in for. */
  readonly of: string;
  readonly layers: number;
  readonly hidden: number;
  readonly heads: number;
  readonly intermediate: number;
  readonly vocab: number;
  readonly positions: number;
  /** How the real model pools (our embedder's TRANSFORMERS_POOLING). */
  readonly pooling: "cls" | "mean";
}

export const SHAPES = {
  "bge-small": { of: "Xenova/bge-small-en-v1.5", layers: 12, hidden: 384, heads: 12, intermediate: 1536, vocab: 30_522, positions: 512, pooling: "cls" },
  "minilm-l6": { of: "Xenova/all-MiniLM-L6-v2", layers: 6, hidden: 384, heads: 12, intermediate: 1536, vocab: 30_522, positions: 512, pooling: "mean" },
} as const satisfies Record<string, ModelShape>;
export type ShapeName = keyof typeof SHAPES;

const INT = onnx.AttributeProto.AttributeType.INT;
const INTS = onnx.AttributeProto.AttributeType.INTS;
const { FLOAT, INT64, INT8 } = onnx.TensorProto.DataType;

/**
 * A vocabulary of exactly `size` WordPiece tokens: the test tokenizer's, letters and ##letters (so every word
 * splits into pieces, as in BERT's), the articles' words, then unused slots. Every word of the articles is one
 * token here, where the real vocabulary splits rare words and names into several: sequences are somewhat
 * shorter than the real model's, so throughput is somewhat overstated.
 */
function realSizeVocab(size: number, extraWords: readonly string[]): string[] {
  const base = buildVocab();
  const seen = new Set(base);
  const add = (t: string) => {
    if (!seen.has(t) && base.length < size) {
      seen.add(t);
      base.push(t);
    }
  };
  for (const c of "abcdefghijklmnopqrstuvwxyz0123456789") {
    add(c);
    add(`##${c}`);
  }
  for (const w of extraWords) add(w);
  for (let i = 0; base.length < size; i++) add(`[unused${i}]`);
  return base;
}

class GraphBuilder {
  readonly nodes: OnnxTypes.INodeProto[] = [];
  readonly initializer: OnnxTypes.ITensorProto[] = [];
  readonly #next: () => number;
  readonly #quantizedInputs = new Map<string, [string, string, string]>();
  #n = 0;

  constructor(seed: number, readonly quantized: boolean) {
    this.#next = mulberry32(seed);
  }

  name(prefix: string): string {
    return `${prefix}_${++this.#n}`;
  }

  op(opType: string, inputs: string[], attribute: OnnxTypes.IAttributeProto[] = [], outputs = 1): string[] {
    const outs = Array.from({ length: outputs }, () => this.name(opType.toLowerCase()));
    this.nodes.push(node(opType, inputs, outs, attribute));
    return outs;
  }

  one(opType: string, inputs: string[], attribute: OnnxTypes.IAttributeProto[] = []): string {
    return this.op(opType, inputs, attribute)[0] as string;
  }

  floats(dims: number[], scale: number): string {
    const n = dims.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = (this.#next() * 2 - 1) * scale;
    const name = this.name("w");
    this.initializer.push({ name, dataType: FLOAT, dims, rawData: new Uint8Array(data.buffer) });
    return name;
  }

  constant(values: number[], dims: number[] = [values.length], type: "float" | "int64" = "float"): string {
    const name = this.name("c");
    this.initializer.push(type === "float" ? { name, dataType: FLOAT, dims, floatData: values } : { name, dataType: INT64, dims, int64Data: values });
    return name;
  }

  /** Random int8 weights with a per-tensor scale and zero point 0, as dynamic quantisation stores them. */
  int8(dims: number[]): { q: string; scale: string; zero: string } {
    const n = dims.reduce((a, b) => a * b, 1);
    const data = new Int8Array(n);
    for (let i = 0; i < n; i++) data[i] = Math.floor(this.#next() * 255) - 127;
    const q = this.name("wq");
    this.initializer.push({ name: q, dataType: INT8, dims, rawData: new Uint8Array(data.buffer) });
    const zero = this.name("wzp");
    this.initializer.push({ name: zero, dataType: INT8, dims: [], rawData: new Uint8Array(1) });
    return { q, scale: this.constant([0.02 / 127], []), zero };
  }

  /** x · W + b, W `[k, n]`: a plain MatMul in fp32; DynamicQuantizeLinear, MatMulInteger, Cast and two Muls in int8. */
  dense(x: string, k: number, n: number): string {
    const bias = this.floats([n], 0.02);
    if (!this.quantized) return this.one("Add", [this.one("MatMul", [x, this.floats([k, n], 1 / Math.sqrt(k))]), bias]);
    const w = this.int8([k, n]);
    // One DynamicQuantizeLinear per activation, shared by the matrices it feeds (Q, K and V), as the quantiser writes it.
    let quantizedInput = this.#quantizedInputs.get(x);
    if (!quantizedInput) this.#quantizedInputs.set(x, (quantizedInput = this.op("DynamicQuantizeLinear", [x], [], 3) as [string, string, string]));
    const [xq, xScale, xZero] = quantizedInput;
    const product = this.one("MatMulInteger", [xq, w.q, xZero, w.zero]);
    const asFloat = this.one("Cast", [product], [{ name: "to", type: INT, i: FLOAT }]);
    const scale = this.one("Mul", [xScale, w.scale]);
    return this.one("Add", [this.one("Mul", [asFloat, scale]), bias]);
  }

  /** LayerNormalization over the last axis, spelled out as exporters at opset 13 do (onnxruntime fuses it back). */
  layerNorm(x: string, hidden: number): string {
    const axes = [{ name: "axes", type: INTS, ints: [-1] }];
    const mean = this.one("ReduceMean", [x], axes);
    const centred = this.one("Sub", [x, mean]);
    // Pow, as exporters write it: onnxruntime's LayerNormalization fusion looks for this pattern.
    const variance = this.one("ReduceMean", [this.one("Pow", [centred, this.constant([2], [])])], axes);
    const std = this.one("Sqrt", [this.one("Add", [variance, this.constant([1e-12], [])])]);
    const gamma = this.constant(Array.from({ length: hidden }, () => 1));
    const beta = this.constant(Array.from({ length: hidden }, () => 0));
    return this.one("Add", [this.one("Mul", [this.one("Div", [centred, std]), gamma]), beta]);
  }

  /** GELU as BERT exports it: x · ½ · (1 + erf(x / √2)). */
  gelu(x: string): string {
    const erf = this.one("Erf", [this.one("Div", [x, this.constant([Math.SQRT2], [])])]);
    return this.one("Mul", [this.one("Mul", [x, this.one("Add", [erf, this.constant([1], [])])]), this.constant([0.5], [])]);
  }
}

function buildModel(shape: ModelShape, quantized: boolean, seed: number): Uint8Array {
  const g = new GraphBuilder(seed, quantized);
  const { hidden, heads, intermediate } = shape;
  const headSize = hidden / heads;
  // Embeddings: word (int8 and dequantised in the quantised model), position (0..S-1) and segment.
  let words: string;
  if (quantized) {
    const table = g.int8([shape.vocab, hidden]);
    words = g.one("DequantizeLinear", [g.one("Gather", [table.q, "input_ids"], [{ name: "axis", type: INT, i: 0 }]), table.scale, table.zero]);
  } else {
    words = g.one("Gather", [g.floats([shape.vocab, hidden], 1), "input_ids"], [{ name: "axis", type: INT, i: 0 }]);
  }
  const seqLen = g.one("Gather", [g.one("Shape", ["input_ids"]), g.constant([1], [], "int64")], [{ name: "axis", type: INT, i: 0 }]);
  const positionIds = g.one("Unsqueeze", [g.one("Range", [g.constant([0], [], "int64"), seqLen, g.constant([1], [], "int64")]), g.constant([0], [1], "int64")]);
  const positions = g.one("Gather", [g.floats([shape.positions, hidden], 0.1), positionIds], [{ name: "axis", type: INT, i: 0 }]);
  const segments = g.one("Gather", [g.floats([2, hidden], 0.1), "token_type_ids"], [{ name: "axis", type: INT, i: 0 }]);
  let x = g.layerNorm(g.one("Add", [g.one("Add", [words, positions]), segments]), hidden);

  // The attention mask as an additive bias [B, 1, 1, S]: 0 where attended, -10000 on padding.
  const maskFloat = g.one("Cast", ["attention_mask"], [{ name: "to", type: INT, i: FLOAT }]);
  const mask4 = g.one("Unsqueeze", [maskFloat, g.constant([1, 2], [2], "int64")]);
  const bias = g.one("Mul", [g.one("Sub", [g.constant([1], []), mask4]), g.constant([-10000], [])]);
  const splitHeads = g.constant([0, 0, heads, headSize], [4], "int64");
  const mergeHeads = g.constant([0, 0, hidden], [3], "int64");
  const perm = (p: number[]) => [{ name: "perm", type: INTS, ints: p }];

  for (let layer = 0; layer < shape.layers; layer++) {
    const q = g.one("Transpose", [g.one("Reshape", [g.dense(x, hidden, hidden), splitHeads])], perm([0, 2, 1, 3]));
    const k = g.one("Transpose", [g.one("Reshape", [g.dense(x, hidden, hidden), splitHeads])], perm([0, 2, 3, 1]));
    const v = g.one("Transpose", [g.one("Reshape", [g.dense(x, hidden, hidden), splitHeads])], perm([0, 2, 1, 3]));
    const scores = g.one("Add", [g.one("Div", [g.one("MatMul", [q, k]), g.constant([Math.sqrt(headSize)], [])]), bias]);
    const probs = g.one("Softmax", [scores], [{ name: "axis", type: INT, i: -1 }]);
    const context = g.one("Reshape", [g.one("Transpose", [g.one("MatMul", [probs, v])], perm([0, 2, 1, 3])), mergeHeads]);
    x = g.layerNorm(g.one("Add", [g.dense(context, hidden, hidden), x]), hidden);
    const ffn = g.dense(g.gelu(g.dense(x, hidden, intermediate)), intermediate, hidden);
    x = g.layerNorm(g.one("Add", [ffn, x]), hidden);
  }
  g.nodes.push(node("Identity", [x], ["last_hidden_state"]));

  const model: OnnxTypes.IModelProto = {
    irVersion: 8,
    opsetImport: [{ domain: "", version: 13 }],
    producerName: `summit-bot bench (random weights, shape of ${shape.of})`,
    graph: {
      name: "bert",
      node: g.nodes,
      initializer: g.initializer,
      input: [
        tensorValueInfo("input_ids", INT64, ["batch_size", "sequence_length"]),
        tensorValueInfo("attention_mask", INT64, ["batch_size", "sequence_length"]),
        tensorValueInfo("token_type_ids", INT64, ["batch_size", "sequence_length"]),
      ],
      output: [tensorValueInfo("last_hidden_state", FLOAT, ["batch_size", "sequence_length", hidden])],
    },
  };
  return onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
}

/** Bumped when the graph changes, so a cached model is rewritten (the vocabulary has its own hash in the stamp). */
const VERSION = 2;

/**
 * The model of `name`'s shape under `<root>/bench-models/<name>/` (written on first use, about 10 s; then reused),
 * as the env of our transformers embedder: TRANSFORMERS_MODEL, TRANSFORMERS_LOCAL_MODEL_DIR, no remote.
 */
/** The seed articles' words (lower case, sorted): the vocabulary the benchmarks' models are given, so every word is one token. */
export async function seedVocabulary(seedsDir: string): Promise<string[]> {
  const words = new Set<string>();
  for (const f of (await readdir(seedsDir)).filter((n) => n.endsWith(".txt"))) {
    for (const w of (await readFile(path.join(seedsDir, f), "utf8")).toLowerCase().match(/\p{L}+/gu) ?? []) words.add(w);
  }
  return [...words].sort();
}

export async function ensureRealShapeModel(root: string, name: ShapeName, words: readonly string[]): Promise<{ env: Record<string, string>; shape: ModelShape; bytes: { fp32: number; int8: number } }> {
  const shape: ModelShape = SHAPES[name];
  const localDir = path.join(root, "bench-models");
  const modelId = `random-weights/${name}`;
  const dir = path.join(localDir, modelId);
  const stamp = path.join(dir, "written.json");
  const env = {
    TRANSFORMERS_MODEL: modelId,
    TRANSFORMERS_LOCAL_MODEL_DIR: localDir,
    TRANSFORMERS_ALLOW_REMOTE: "false",
    TRANSFORMERS_POOLING: shape.pooling,
    TRANSFORMERS_QUERY_PREFIX: "",
  };
  const vocab = realSizeVocab(shape.vocab, words);
  const vocabHash = createHash("sha256").update(vocab.join("\n")).digest("hex").slice(0, 16);
  if (existsSync(stamp)) {
    const written = JSON.parse(await readFile(stamp, "utf8")) as { version: number; vocab?: string; bytes: { fp32: number; int8: number } };
    if (written.version === VERSION && written.vocab === vocabHash) return { env, shape, bytes: written.bytes };
  }
  const tmp = `${dir}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(path.join(tmp, "onnx"), { recursive: true });
  const fp32 = buildModel(shape, false, 0xb9e);
  const int8 = buildModel(shape, true, 0xb9e);
  const json = (v: unknown) => `${JSON.stringify(v)}\n`;
  await Promise.all([
    writeFile(path.join(tmp, "onnx", "model.onnx"), fp32),
    writeFile(path.join(tmp, "onnx", "model_quantized.onnx"), int8),
    writeFile(path.join(tmp, "tokenizer.json"), json(buildTokenizerJson(vocab))),
    writeFile(path.join(tmp, "tokenizer_config.json"), json(buildTokenizerConfig(shape.positions))),
    writeFile(
      path.join(tmp, "config.json"),
      json({
        architectures: ["BertModel"],
        model_type: "bert",
        vocab_size: shape.vocab,
        hidden_size: shape.hidden,
        num_hidden_layers: shape.layers,
        num_attention_heads: shape.heads,
        intermediate_size: shape.intermediate,
        hidden_act: "gelu",
        max_position_embeddings: shape.positions,
        type_vocab_size: 2,
        pad_token_id: 0,
        layer_norm_eps: 1e-12,
      }),
    ),
  ]);
  const bytes = { fp32: fp32.byteLength, int8: int8.byteLength };
  await writeFile(path.join(tmp, "written.json"), json({ version: VERSION, vocab: vocabHash, shape, bytes }));
  await rm(dir, { recursive: true, force: true });
  await mkdir(path.dirname(dir), { recursive: true });
  await rename(tmp, dir);
  return { env, shape, bytes };
}

/** A model the benchmarks can run: a shape, int8 as the default loads it, or "-fp32". */
export type BenchModelName = ShapeName | `${ShapeName}-fp32`;

/**
 * The random-weight model `name` (written once, with the seeds' words as its vocabulary, so every benchmark finds
 * the one another wrote), as the environment that makes the bot's transformers embedder load it, with a label for
 * tables and its file's size.
 */
export async function benchModel(dataDir: string, seedsDir: string, name: BenchModelName): Promise<{ env: Record<string, string>; label: string; modelBytes: number }> {
  const fp32 = name.endsWith("-fp32");
  const built = await ensureRealShapeModel(dataDir, name.replace(/-fp32$/, "") as ShapeName, await seedVocabulary(seedsDir));
  return {
    env: { EMBEDDER: "transformers", ...built.env, TRANSFORMERS_QUANTIZED: String(!fp32) },
    label: `${built.shape.of} shape, ${fp32 ? "fp32" : "int8"}, random weights`,
    modelBytes: fp32 ? built.bytes.fp32 : built.bytes.int8,
  };
}
