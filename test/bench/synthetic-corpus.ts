import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { sentenceSpans } from "../../src/text/sentences.js";
import { mulberry32 } from "../fixtures/prng.js";

/*
 * Larger corpora for the benchmark, built deterministically from the seed
 * articles: each synthetic article has its own title and paragraphs of seed
 * sentences recombined at random (a seeded generator, so every run builds
 * the same files). Each sentence, where it is used, has one of its longer
 * words swapped for another word of the seeds: without that, a corpus of
 * 100,000 chunks built from a few hundred sentences is half exact duplicates
 * (measured: 5,684 distinct vectors among 12,081 chunks), which no real
 * corpus is. The text is realistic for the analyser and the chunker; the
 * facts are scrambled, so these corpora measure speed and size, not answers.
 */

/** Characters of article per chunk, on average, with 500/100 chunking (measured on these corpora: 390 gave 1.21 times the chunks asked for). */
const CHARS_PER_CHUNK = 322;

export interface SyntheticCorpus {
  readonly dir: string;
  readonly articles: number;
  readonly chars: number;
}

/** Writes about `targetChunks` chunks' worth of articles into `dir`. */
export async function writeSyntheticCorpus(seedsDir: string, dir: string, targetChunks: number, seed = 42): Promise<SyntheticCorpus> {
  const sources = (await readdir(seedsDir)).filter((f) => f.endsWith(".txt")).sort();
  const sentences: string[] = [];
  for (const f of sources) {
    const text = await readFile(path.join(seedsDir, f), "utf8");
    for (const s of sentenceSpans(text)) {
      const sentence = text.slice(s.start, s.end);
      if (/[.!?"”]$/.test(sentence) && sentence.length > 40) sentences.push(sentence);
    }
  }
  const words = [...new Set(sentences.join(" ").match(/\b[a-z]{5,}\b/g) ?? [])].sort();
  const random = mulberry32(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
  const vary = (sentence: string): string => {
    const long = [...sentence.matchAll(/\b[a-z]{5,}\b/g)];
    const m = long.length ? pick(long) : undefined;
    if (m?.index === undefined) return sentence;
    return sentence.slice(0, m.index) + pick(words) + sentence.slice(m.index + m[0].length);
  };
  await mkdir(dir, { recursive: true });
  let chars = 0;
  let n = 0;
  while (chars / CHARS_PER_CHUNK < targetChunks) {
    const title = `Synthetic report ${n + 1}: ${Array.from({ length: 4 }, () => pick(words)).join(" ")}`;
    const paragraphs = Array.from({ length: 5 + Math.floor(random() * 6) }, () =>
      Array.from({ length: 2 + Math.floor(random() * 3) }, () => vary(pick(sentences))).join(" "),
    );
    const text = `${title}\n\n${paragraphs.join("\n\n")}\n`;
    await writeFile(path.join(dir, `synthetic_${String(n).padStart(6, "0")}.txt`), text);
    chars += text.length;
    n++;
  }
  return { dir, articles: n, chars };
}
