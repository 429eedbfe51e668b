import { performance } from "node:perf_hooks";
import { stat } from "node:fs/promises";
import path from "node:path";
import { analyseQuestion, type QuestionAnalysis } from "./answer/analyse-question.js";
import { composeAnswer } from "./answer/compose.js";
import { createCorpusView, type CorpusView } from "./answer/evidence.js";
import { retrieve, type RetrievalParams } from "./answer/retrieve.js";
import { BuildChanged, type RetrievalBackend } from "./index/backend.js";
import { embeddedBackend } from "./index/embedded-backend.js";
import type pg from "pg";
import type { Config } from "./config.js";
import { loadCorpus, type Corpus } from "./corpus/load-corpus.js";
import { AppError, errorDetail, isAppError, newErrorId } from "./errors.js";
import { currentBuildDir } from "./index/store.js";
import { watchCurrent, type WatchCurrentOptions } from "./index/watch-current.js";
import { withQueryCache } from "./ingest/embedders/cached.js";
import { createEmbedder } from "./ingest/embedders/create-embedder.js";
import type { EmbeddingProvider } from "./ingest/embedders/provider.js";
import { logProgress } from "./ingest/progress.js";
import { readCurrentIfUpToDate, syncIndex, type IngestProgress, type IngestSummary } from "./ingest/sync-index.js";
import { silentLogger, type Logger } from "./log.js";
import { cleanQuestion } from "./text/question.js";
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { answerWithLlm, checkPrompts, type LlmDeps } from "./llm/answer.js";
import { createChatModel } from "./llm/chat-model.js";
import { standaloneQuestion } from "./llm/rewrite.js";
import { loadNlp } from "./knowledge/nlp.js";
import type { Answer, Article, GenerationTrace, Passage, SummitEvent } from "./types.js";

/** Parts a test (or a benchmark) may supply instead of the real ones. */
export interface AppOverrides {
  readonly log?: Logger;
  /** Used instead of loading the configured embedder. */
  readonly embedder?: EmbeddingProvider;
  /** Aborted to stop (Ctrl-C / SIGTERM): an index build in progress stops with STOPPED and leaves the index as it was. */
  readonly signal?: AbortSignal;
  /** Hears the progress of every index build; by default an `ingest.progress` log line every few seconds of a long build. */
  readonly onProgress?: (p: IngestProgress) => void;
}

export interface AskOptions {
  /** Ties the log lines of one question together. */
  readonly requestId?: string;
  /** Only use articles about this event (an id from `events()`). */
  readonly event?: string;
  /** Called with the generated text so far while a language model writes (not yet verified). */
  readonly onPartial?: (text: string) => void;
}

export interface App {
  readonly config: Config;
  /** Loads the corpus and the embedder and brings the index up to date; later calls reuse the result. */
  ready(): Promise<IngestSummary>;
  /**
   * Runs three questions through what every question runs (the embedder, both searches, composition; not a
   * language model), so the first member's question does not pay for the first call of each. For processes
   * that answer many questions (bot, console); a failure is logged, not thrown.
   */
  warmUp(): Promise<void>;
  /** Answers a question. Throws AppError for questions it refuses (empty, too long, ...). */
  ask(question: string, options?: AskOptions): Promise<Answer>;
  /** The best-matching passages for `query`, best first, without composing an answer. */
  search(query: string, options?: { limit?: number; event?: string }): Promise<Passage[]>;
  /** Re-reads the corpus and updates the index (`force` rebuilds it); `onProgress` hears this build instead of the app's listener. */
  ingest(options?: { force?: boolean; onProgress?: (p: IngestProgress) => void }): Promise<IngestSummary>;
  articles(): Promise<readonly Article[]>;
  events(): Promise<readonly SummitEvent[]>;
  /** The embedder in use (after `ready`). */
  embedderId(): string | null;
  /** The summary of the index answering now (after `ready`; a reload replaces it), or null before. */
  indexSummary(): IngestSummary | null;
  /** A follow-up as a question that stands on its own, given the previous question. */
  standaloneQuestion(previous: string, followUp: string): Promise<string>;
  /**
   * Picks up the builds other processes (`npm run ingest`) make current, while
   * running: see `reloadFromDisk`. Returns the function that stops following
   * (closes the watcher, so the process can exit).
   */
  followIndex(options?: Pick<WatchCurrentOptions, "debounceMs" | "pollMs" | "useFsWatch">): () => void;
  /** Closes the database connections, if any (DATABASE_URL); the app must not be used after. */
  close(): Promise<void>;
}

interface State {
  corpus: Corpus;
  view: CorpusView;
  /** Where questions are searched (its info names the build). */
  backend: RetrievalBackend;
  embedder: EmbeddingProvider;
  summary: IngestSummary;
}

/** What warmUp asks: questions of the usual shapes (who said what, where and when, yes or no), none about a real article. */
const WARM_UP_QUESTIONS = ["What did the leaders say about trade at the summit?", "Which cities did the delegation visit after the meeting, and when?", "Did the ministers agree on a plan?"];

/** Wires corpus, embedder, index and answerer from `config`. Nothing is loaded until first use. */
export function createApp(config: Config, overrides: AppOverrides = {}): App {
  const log = overrides.log ?? silentLogger;
  let embedder: Promise<EmbeddingProvider> | null = null;
  let state: Promise<State> | null = null;

  const getEmbedder = () => {
    embedder ??= (overrides.embedder ? Promise.resolve(overrides.embedder) : createEmbedder(config, log)).then((e) => withQueryCache(e));
    // A failed load is retried next time rather than remembered.
    embedder.catch(() => (embedder = null));
    return embedder;
  };

  const defaultProgress = overrides.onProgress ?? logProgress(log);
  // DATABASE_URL: one pool for the app's life (see close()).
  let pool: pg.Pool | null = null;

  const load = async (force: boolean, onProgress = defaultProgress): Promise<State> => {
    const corpus = await loadCorpus(config.corpusDir, { metadata: config.metadataFile, aliases: config.aliasesFile }, log);
    const [emb, nlp] = await Promise.all([getEmbedder(), loadNlp()]);
    const common = { nlp, corpus, embedder: emb, chunking: config.chunking, hnsw: config.hnsw, log, force, onProgress, ...(overrides.signal ? { signal: overrides.signal } : {}) };
    if (config.database) {
      const db = config.database;
      // Loaded only here: `pg` is no start-up cost of the embedded default.
      const [{ createPool, isConnectionError, unreachable }, { syncPostgres }] = await Promise.all([import("./index/postgres/pg-backend.js"), import("./ingest/sync-postgres.js")]);
      pool ??= createPool({ url: db.url, max: db.poolMax, connectTimeoutMs: db.connectTimeoutMs, statementTimeoutMs: db.statementTimeoutMs }, log);
      const { index, summary } = await syncPostgres({ ...common, pool, searchTimeoutMs: db.statementTimeoutMs }).catch((error: unknown) => {
        throw isAppError(error) || !isConnectionError(error) ? error : unreachable(db.url, error);
      });
      return { corpus, view: createCorpusView(corpus, index.knowledge, index.lexical, nlp), backend: index.backend, embedder: emb, summary };
    }
    const { index, summary } = await syncIndex({ ...common, dataDir: config.dataDir });
    return { corpus, view: createCorpusView(corpus, index.knowledge, index.lexical, nlp), backend: embeddedBackend(index), embedder: emb, summary };
  };

  /**
   * Runs `fn` on the state in use. With Postgres, another process may have written a new build since it was loaded
   * (the search says so: BuildChanged); then the new build is loaded and `fn` runs again.
   */
  const onCurrent = async <T>(fn: (s: State) => Promise<T>): Promise<T> => {
    const s = await ensure();
    try {
      return await fn(s);
    } catch (error) {
      if (!(error instanceof BuildChanged)) throw error;
      log.info("index.reload", { reason: error.message });
      if (state && (await state.catch(() => null)) === s) state = null;
      return fn(await ensure());
    }
  };

  const ensure = (force = false, onProgress?: (p: IngestProgress) => void): Promise<State> => {
    if (!state || force) {
      const next = load(force, onProgress);
      state = next;
      next.then(
        (s) => {
          // What embedderId() and indexSummary() report: the state in use, not one a question started with.
          if (state === next) {
            loadedEmbedder = s.embedder.id;
            loadedSummary = s.summary;
          }
        },
        () => {
          if (state === next) state = null;
        },
      );
    }
    return state;
  };

  /*
   * Following builds other processes make current (followIndex). A reload
   * reads the corpus and the build CURRENT names without ever writing or
   * locking (readCurrentIfUpToDate), and replaces `state` only when it is
   * complete: a question keeps the state it started with to its end, the next
   * one gets the new state, and a reload that fails leaves the old one.
   */
  let reloading: Promise<void> | null = null;
  let reloadAgain = false;
  const requestReload = () => {
    if (reloading) {
      // Switches during a reload collapse into one more, of whatever is current by then.
      reloadAgain = true;
      return;
    }
    reloading = (async () => {
      do {
        reloadAgain = false;
        await reloadFromDisk();
      } while (reloadAgain);
    })().finally(() => (reloading = null));
  };

  const reloadFromDisk = async (): Promise<void> => {
    // The state in use once a load in progress (this process's own ingest, say) has finished.
    let current = state;
    let s: State | null = null;
    while (current) {
      s = await current.catch(() => null);
      if (current === state) break;
      current = state;
    }
    // Nothing loaded (yet, or the load failed): the next question loads the latest build anyway.
    if (!current || !s) return;
    const loaded = s.backend.info.buildId;
    const dir = await currentBuildDir(config.dataDir);
    const build = dir ? path.basename(dir) : null;
    if (build === null || build === loaded) {
      // Also the builds this process writes itself.
      log.debug("index.reload_skipped", { build, reason: build ? "already loaded" : "CURRENT names no build" });
      return;
    }
    const t0 = performance.now();
    try {
      const corpus = await loadCorpus(config.corpusDir, { metadata: config.metadataFile, aliases: config.aliasesFile }, log);
      const nlp = await loadNlp();
      const found = await readCurrentIfUpToDate({ nlp, dataDir: config.dataDir, corpus, embedder: s.embedder, chunking: config.chunking, hnsw: config.hnsw, log });
      if (found.status !== "ok") {
        // A damaged build is an error; one made with another embedder (or chunking, HNSW setting), or of
        // articles that changed since, is a situation to fix in the configuration or to wait out.
        log[found.status === "unreadable" ? "error" : "warn"]("index.reload_failed", {
          build,
          kind: found.status,
          reason: found.reason,
          keeping: loaded,
          ...(found.status === "incompatible" ? { hint: "give the processes sharing DATA_DIR the same embedder settings" } : {}),
        });
        return;
      }
      const index = found.index;
      const next: State = { corpus, view: createCorpusView(corpus, index.knowledge, index.lexical, nlp), backend: embeddedBackend(index), embedder: s.embedder, summary: found.summary };
      if (index.manifest.buildId === loaded) {
        // CURRENT switched back while this reload read it.
        log.debug("index.reload_skipped", { build: loaded, reason: "already loaded" });
        return;
      }
      if (state !== current) {
        // This process started a load of its own meanwhile, which reads the latest build itself.
        log.debug("index.reload_skipped", { build: index.manifest.buildId, reason: "another load started meanwhile" });
        return;
      }
      state = Promise.resolve(next);
      loadedSummary = next.summary;
      log.info("index.reloaded", {
        build: index.manifest.buildId,
        previous: loaded,
        articles: index.manifest.articles.length,
        chunks: index.chunks.size,
        ms: Math.round(performance.now() - t0),
      });
    } catch (error) {
      log.error("index.reload_failed", { build, kind: "error", reason: isAppError(error) ? error.userMessage : errorDetail(error), keeping: loaded });
    }
  };

  let loadedEmbedder: string | null = null;
  let loadedSummary: IngestSummary | null = null;
  /** How many followIndex() calls are active: the app then leaves index builds to `ingest`. */
  let following = 0;
  let chatModel: Promise<BaseChatModel> | null = null;
  const llm: LlmDeps | null =
    config.llm.provider === "none"
      ? null
      : {
          config: config.llm,
          log,
          model: () => {
            chatModel ??= createChatModel(config.llm);
            chatModel.catch(() => (chatModel = null));
            return chatModel;
          },
        };
  const people = async () => {
    const s = await ensure();
    return [...new Set([...s.corpus.articles.flatMap((a) => a.meta.peopleQuoted.value), ...s.corpus.events.flatMap((e) => e.participants)])];
  };

  return {
    config,
    async close() {
      const p = pool;
      pool = null;
      await p?.end();
    },
    async ready() {
      const s = await ensure();
      if (llm) {
        // Say at start-up, not on the first question, that every generated answer would fall back.
        await checkPrompts(config.llm).catch((error: unknown) =>
          log.error("llm.prompts_invalid", { message: isAppError(error) ? error.userMessage : errorDetail(error) }),
        );
      }
      return s.summary;
    },
    async warmUp() {
      const t0 = performance.now();
      try {
        const s = await ensure();
        for (const question of WARM_UP_QUESTIONS) await answerWith(s, question, {}, { model: false });
        log.debug("app.warmed_up", { ms: Math.round(performance.now() - t0) });
      } catch (error) {
        log.warn("app.warm_up_failed", { error });
      }
    },
    async ingest(options = {}) {
      // With an index loaded, the new one is built beside it: questions keep the old one meanwhile,
      // and a build that fails (an unreadable corpus folder, the write lock held elsewhere) leaves it in place.
      const previous = state ? await state.catch(() => null) : null;
      if (previous) {
        const next = await load(options.force ?? false, options.onProgress);
        state = Promise.resolve(next);
        loadedEmbedder = next.embedder.id;
        loadedSummary = next.summary;
        return next.summary;
      }
      state = null;
      const s = await ensure(options.force ?? false, options.onProgress);
      return s.summary;
    },
    async articles() {
      return (await ensure()).corpus.articles;
    },
    async events() {
      return (await ensure()).corpus.events;
    },
    embedderId: () => loadedEmbedder,
    indexSummary: () => loadedSummary,
    standaloneQuestion: async (previous, followUp) => standaloneQuestion(previous, followUp, await people(), llm),
    followIndex(options = {}) {
      if (config.database) {
        // Nothing to watch: each search checks the build it reads (onCurrent). Following still means this process
        // leaves builds to `ingest` when a cited file was edited (see ask).
        following++;
        let stopped = false;
        return () => {
          if (!stopped) following--;
          stopped = true;
        };
      }
      let stopped = false;
      following++;
      const watcher = watchCurrent(
        config.dataDir,
        () => {
          if (!stopped) requestReload();
        },
        { ...options, log },
      );
      log.debug("index.following", { dataDir: config.dataDir, fsWatch: watcher.usingFsWatch });
      // A build made current between loading and now is picked up too.
      requestReload();
      return () => {
        if (stopped) return;
        stopped = true;
        following--;
        watcher.close();
      };
    },
    async search(raw, options = {}) {
      const query = cleanQuestion(raw, config.answer.maxQuestionChars);
      return onCurrent(async (s) => {
        const sources = scope(s, options.event);
        const r = await retrieve(query, s.backend, s.embedder, retrievalParams(sources));
        return r.passages.slice(0, options.limit ?? config.retrieval.passages);
      });
    },
    async ask(raw, options = {}) {
      const req = options.requestId ?? newErrorId();
      const question = cleanQuestion(raw, config.answer.maxQuestionChars);
      let s = await ensure();
      let answer = await onCurrent(async (current) => {
        s = current;
        return answerWith(current, question, options);
      });
      // Quotes are cut from the text read at start-up; if a cited file has been
      // edited since, re-read the corpus (re-indexing what changed) and answer again.
      // Not while following the index (bot, console): that would take the write lock on
      // the question path, and wait out (with every other question) an ingest running in
      // another process. There the ingest makes the new build and the reload brings it in.
      const edited = await editedSources(s.corpus, answer.citations.map((c) => c.source), config.corpusDir);
      if (edited.length && following > 0) {
        log.info("corpus.changed", { req, sources: edited.join(","), action: "answered from the index in use; the next ingest brings the edit in" });
      } else if (edited.length) {
        log.info("corpus.changed", { req, sources: edited.join(",") });
        if (state && (await state.catch(() => null)) === s) state = null;
        s = await ensure();
        answer = await answerWith(s, question, options);
      }
      log.debug("ask", {
        req,
        chars: question.length,
        abstained: answer.abstained,
        citations: answer.citations.length,
        confidence: Number(answer.confidence.toFixed(3)),
        ms: Math.round(answer.timings.totalMs),
      });
      return answer;
    },
  };

  /** How every search of this app is done: the retrieval settings, the vector search's, and the articles in scope. */
  function retrievalParams(sources: ReadonlySet<string> | undefined): RetrievalParams {
    return { ...config.retrieval, efSearch: config.hnsw.efSearch, exactUpTo: config.hnsw.exactUpTo, ...(sources ? { sources } : {}) };
  }

  async function answerWith(s: State, question: string, options: AskOptions, use: { model: boolean } = { model: true }): Promise<Answer> {
    const t0 = performance.now();
    const analysis: QuestionAnalysis = analyseQuestion(question, s.view.lexicon);
    const sources = scope(s, options.event);
    const params = retrievalParams(sources);
    // A question in parts is retrieved part by part: each part has its own evidence.
    const texts = analysis.parts.length > 0 ? analysis.parts.map((p) => p.retrievalText ?? p.text) : [analysis.retrievalText ?? question];
    const retrievals = await Promise.all(texts.map((t) => retrieve(t, s.backend, s.embedder, params)));
    const lists = retrievals.map((x) => x.passages.slice(0, config.retrieval.passages));
    const passages = lists.length === 1 ? (lists[0] ?? []) : mergePassages(lists, config.retrieval.passages);
    const tCompose = performance.now();
    let composed = composeAnswer(analysis, lists, s.view, config.answer);
    const composeMs = performance.now() - tCompose;
    let generation: GenerationTrace | undefined;
    if (llm && use.model) {
      const generated = await answerWithLlm(question, passages, s.view, composed, llm, options.onPartial);
      composed = generated.composed;
      generation = generated.trace;
    }
    const sum = (key: "embedMs" | "lexicalMs" | "denseMs") => retrievals.reduce((a, x) => a + x.timings[key], 0);
    return {
      question,
      ...composed,
      passages,
      articles: [...new Set(retrievals.flatMap((x) => x.passages.map((p) => p.chunk.source)))],
      timings: { embedMs: sum("embedMs"), lexicalMs: sum("lexicalMs"), denseMs: sum("denseMs"), composeMs, totalMs: performance.now() - t0 },
      retrieval: { mode: config.retrieval.mode, embedder: s.embedder.id },
      ...(generation ? { generation } : {}),
    };
  }
}

/** The articles about `event`, or undefined for all. Throws for an event nobody wrote about. */
function scope(s: State, event: string | undefined): Set<string> | undefined {
  if (event === undefined) return undefined;
  const sources = new Set(s.corpus.articles.filter((a) => a.meta.event.value === event).map((a) => a.source));
  if (sources.size === 0) {
    const known = s.corpus.events.map((e) => e.id).join(", ") || "none";
    throw new AppError("UNKNOWN_EVENT", `I have no articles about the event "${event}". Known events: ${known}.`);
  }
  return sources;
}

/** Cited files whose size or modification time differ from when they were read (or that are gone). */
async function editedSources(corpus: Corpus, sources: readonly string[], dir: string): Promise<string[]> {
  const edited: string[] = [];
  for (const source of new Set(sources)) {
    const article = corpus.articles.find((a) => a.source === source);
    const now = await stat(path.join(dir, source)).catch(() => null);
    if (!article || !now || now.mtimeMs !== article.modifiedMs || now.size !== article.size) edited.push(source);
  }
  return edited;
}

/**
 * The passages of a question in parts, at most `limit`: each part's best in turn (so every part keeps its
 * best passages when together they have more than the limit), best first.
 */
function mergePassages(lists: readonly (readonly Passage[])[], limit: number): Passage[] {
  const byChunk = new Map<number, Passage>();
  const longest = Math.max(0, ...lists.map((l) => l.length));
  for (let rank = 0; rank < longest; rank++) {
    for (const list of lists) {
      const p = list[rank];
      if (!p) continue;
      const had = byChunk.get(p.chunk.id);
      if (had) {
        if (had.score < p.score) byChunk.set(p.chunk.id, p);
      } else if (byChunk.size < limit) byChunk.set(p.chunk.id, p);
    }
  }
  return [...byChunk.values()].sort((a, b) => b.score - a.score || a.chunk.id - b.chunk.id);
}
