/*
 * English news vocabulary the knowledge builder and the question analysis
 * share: words for titles, organisations, speaking, and web-page furniture.
 * General English, never words of particular articles: users add their own.
 */

/** Words that make a capitalised phrase a title ("Chinese Foreign Minister", "Commission President"). */
export const TITLE_WORDS = new Set(
  (
    "president premier minister chancellor king queen prince princess emperor pope secretary secretary-general spokesman spokeswoman " +
    "spokesperson commissioner ambassador envoy governor senator representative chair chairman chairwoman chairperson chief director " +
    "head leader mayor deputy vice general admiral colonel captain analyst adviser advisor official officials diplomat " +
    "foreign prime high state defence defense trade finance interior economy economic vice-president vice-premier " +
    "mr mrs ms dr prof sir lord dame justice judge speaker pm mp mep"
  ).split(" "),
);

/** Nouns of portfolios inside titles ("Minister for Foreign Affairs and Security Policy"): never part of a person's name. */
export const PORTFOLIO_WORDS = new Set(
  (
    "affairs policy security defence defense trade industry commerce economy finance foreign home interior justice health energy " +
    "climate environment development cooperation relations agriculture transport education culture state digital competition " +
    "enlargement neighbourhood neighborhood budget treasury labour labor"
  ).split(" "),
);

/** Calendar words are capitalised but name no one. */
export const CALENDAR_WORDS = new Set(
  "monday tuesday wednesday thursday friday saturday sunday january february march april may june july august september october november december".split(
    " ",
  ),
);

/** Title words that name a role on their own (the rest only qualify one: "Foreign", "Prime", "High"). */
export const ROLE_WORDS = new Set(
  (
    "president premier minister chancellor king queen prince princess emperor pope secretary secretary-general spokesman spokeswoman " +
    "spokesperson commissioner ambassador envoy governor senator representative chair chairman chairwoman chairperson chief director " +
    "head leader mayor analyst adviser advisor official diplomat vice-president vice-premier speaker pm mp mep"
  ).split(" "),
);

/** Honorifics that precede a name and are never part of it. */
export const HONORIFICS = new Set(["mr", "mrs", "ms", "dr", "prof", "sir", "lord", "dame"]);

/** Lower-case particles inside names: "Ursula von der Leyen", "Rob de Wijk", "Mohammed bin Salman". */
export const NAME_PARTICLES = new Set(["von", "der", "van", "den", "de", "del", "della", "da", "di", "du", "la", "le", "bin", "ibn", "al", "el", "ter", "zu"]);

/** A capitalised phrase with one of these words names an organisation. */
export const ORGANISATION_WORDS = new Set(
  (
    "union commission council ministry agency service parliament bank fund organization organisation association initiative group " +
    "forum committee office department institute university party court house news press times post network company corporation corp " +
    "inc ltd plc alliance assembly secretariat authority board bureau cabinet centre center coalition congress federation foundation " +
    "government guard army navy military police reuters bloomberg xinhua tass afp ap ministries nations summit community" // "United Nations", "European Community"
  ).split(" "),
);

/** Phrases that name a place type ("Taiwan Strait", "South China Sea"). */
export const PLACE_WORDS = new Set(
  "strait sea ocean island islands river mountain mountains valley gulf bay canal peninsula city province region republic kingdom palace square street".split(" "),
);

/** Demonyms and adjectives of the world's largest actors in the news, with what they stand for. */
export const DEMONYMS: Readonly<Record<string, string>> = {
  chinese: "china",
  european: "europe",
  french: "france",
  german: "germany",
  italian: "italy",
  russian: "russia",
  ukrainian: "ukraine",
  american: "united states",
  british: "united kingdom",
  japanese: "japan",
  indian: "india",
  korean: "korea",
  spanish: "spain",
  polish: "poland",
  hungarian: "hungary",
  serbian: "serbia",
  dutch: "netherlands",
  belgian: "belgium",
  taiwanese: "taiwan",
  israeli: "israel",
  iranian: "iran",
  turkish: "turkey",
  brazilian: "brazil",
  australian: "australia",
  canadian: "canada",
  african: "africa",
  asian: "asia",
  finnish: "finland",
  swedish: "sweden",
  norwegian: "norway",
  danish: "denmark",
  estonian: "estonia",
  latvian: "latvia",
  lithuanian: "lithuania",
  austrian: "austria",
  swiss: "switzerland",
  portuguese: "portugal",
  greek: "greece",
  irish: "ireland",
  czech: "czech republic",
  slovak: "slovakia",
  romanian: "romania",
  bulgarian: "bulgaria",
  croatian: "croatia",
  mexican: "mexico",
  argentine: "argentina",
  argentinian: "argentina",
  chilean: "chile",
  uruguayan: "uruguay",
  paraguayan: "paraguay",
  bolivian: "bolivia",
  colombian: "colombia",
  peruvian: "peru",
  venezuelan: "venezuela",
  egyptian: "egypt",
  nigerian: "nigeria",
  kenyan: "kenya",
  ethiopian: "ethiopia",
  zambian: "zambia",
  senegalese: "senegal",
  ghanaian: "ghana",
  moroccan: "morocco",
  algerian: "algeria",
  saudi: "saudi arabia",
  emirati: "united arab emirates",
  qatari: "qatar",
  pakistani: "pakistan",
  indonesian: "indonesia",
  vietnamese: "vietnam",
  thai: "thailand",
  malaysian: "malaysia",
  filipino: "philippines",
  singaporean: "singapore",
  syrian: "syria",
  iraqi: "iraq",
  afghan: "afghanistan",
  belarusian: "belarus",
  georgian: "georgia",
  armenian: "armenia",
  azerbaijani: "azerbaijan",
  kazakh: "kazakhstan",
  "south african": "south africa",
  "south american": "south america",
  "latin american": "latin america",
  "north american": "north america",
  "southeast asian": "southeast asia",
  "middle eastern": "middle east",
  "new zealand": "new zealand",
};

/** Regions that news writes for the bloc that governs them ("Europe's AI law" is the EU's). */
export const REGION_BLOCS: Readonly<Record<string, string>> = {
  europe: "european union",
};

/** Capitals that news writes for their country's government ("Washington warned"). */
export const CAPITALS: Readonly<Record<string, string>> = {
  washington: "united states",
  beijing: "china",
  moscow: "russia",
  kyiv: "ukraine",
  kiev: "ukraine",
  paris: "france",
  berlin: "germany",
  london: "united kingdom",
  rome: "italy",
  tokyo: "japan",
  "new delhi": "india",
  seoul: "south korea",
  taipei: "taiwan",
  madrid: "spain",
  warsaw: "poland",
  budapest: "hungary",
  belgrade: "serbia",
  ankara: "turkey",
  tehran: "iran",
  ottawa: "canada",
  canberra: "australia",
  brasilia: "brazil",
  "buenos aires": "argentina",
  lima: "peru",
  bogota: "colombia",
  caracas: "venezuela",
  "mexico city": "mexico",
  montevideo: "uruguay",
  asuncion: "paraguay",
  "la paz": "bolivia",
  pretoria: "south africa",
  cairo: "egypt",
  nairobi: "kenya",
  "addis ababa": "ethiopia",
  abuja: "nigeria",
  riyadh: "saudi arabia",
  jerusalem: "israel",
  islamabad: "pakistan",
  jakarta: "indonesia",
  hanoi: "vietnam",
  bangkok: "thailand",
  manila: "philippines",
  "kuala lumpur": "malaysia",
  pyongyang: "north korea",
  minsk: "belarus",
  vienna: "austria",
  bern: "switzerland",
  lisbon: "portugal",
  athens: "greece",
  dublin: "ireland",
  prague: "czech republic",
  stockholm: "sweden",
  oslo: "norway",
  helsinki: "finland",
  copenhagen: "denmark",
  tallinn: "estonia",
  riga: "latvia",
  vilnius: "lithuania",
  "the hague": "netherlands",
  amsterdam: "netherlands",
  bucharest: "romania",
  zagreb: "croatia",
  bratislava: "slovakia",
  wellington: "new zealand",
  // Not a national capital here: in European news "Brussels said" is the EU speaking.
  brussels: "european union",
};

/**
 * Verbs that report what someone said, by their forms. "warned", "urged" and
 * "called on" attribute a statement as much as "said" does.
 */
const SPEECH_LEMMAS =
  "say tell add warn urge note stress emphasise emphasize call reiterate caution comment insist argue claim state announce describe " +
  "characterise characterize report deny confirm respond reaffirm voice raise express suggest predict acknowledge admit accuse ask reply " +
  "write declare pledge promise vow threaten propose highlight underline underscore cite welcome criticise criticize condemn praise " +
  "explain recall remark observe assert contend concede complain demand appeal flag frame portray";
// Lemmas whose plain and -s forms are usually nouns ("the EU's call for a ceasefire",
// "state media", "the report"): only their -ed and -ing forms report speech.
const NOUNISH = new Set(
  "call state report claim comment note voice stress remark demand appeal promise pledge praise welcome cite answer reply".split(" "),
);
const IRREGULAR: Readonly<Record<string, readonly string[]>> = {
  say: ["say", "says", "said", "saying"],
  tell: ["tell", "tells", "told", "telling"],
  write: ["write", "writes", "wrote", "written", "writing"],
};

function forms(lemma: string): string[] {
  const irregular = IRREGULAR[lemma];
  if (irregular) return [...irregular];
  const stem = lemma.endsWith("e") ? lemma.slice(0, -1) : lemma;
  const s = /(?:s|sh|ch|x|z)$/.test(lemma) ? `${lemma}es` : /[^aeiou]y$/.test(lemma) ? `${lemma.slice(0, -1)}ies` : `${lemma}s`;
  const ed = /[^aeiou]y$/.test(lemma) ? `${lemma.slice(0, -1)}ied` : `${stem}ed`;
  return NOUNISH.has(lemma) ? [ed, `${stem}ing`] : [lemma, s, ed, `${stem}ing`];
}

/** Every form of every reporting verb, lower case, mapped to its lemma. */
export const SPEECH_VERBS: ReadonlyMap<string, string> = new Map(SPEECH_LEMMAS.split(" ").flatMap((l) => forms(l).map((f) => [f, l] as const)));

/** Reporting verbs whose object is the person addressed: "told X", "urged X to", "called on X". */
export const ADDRESSING_VERBS = new Set(["tell", "urge", "warn", "ask", "call", "accuse", "appeal", "praise", "criticise", "criticize", "assure"]);

/** Words that may sit between a speaker and the verb: "Von der Leyen also cautioned", "Kallas has once again called". */
export const SPEECH_GAP_WORDS = new Set(
  "also has have had would will did does do not never again once later then further repeatedly previously earlier reportedly separately on at in this last week wednesday thursday friday monday tuesday saturday sunday".split(
    " ",
  ),
);

export const PERSON_PRONOUNS = new Set(["he", "she"]);

/**
 * Lines of web-page furniture that are never an answer: newsletter and audio
 * player prompts, comment forms, "Read also:" links, agency credits.
 */
export const BOILERPLATE_LINE = new RegExp(
  [
    "^(?:read (?:also|more)|see also|watch|listen|related(?: coverage| articles| stories)?|recommended|more on this|trending|advertisement|sponsored)\\s*:",
    "\\b(?:subscribe|newsletter|sign up|log in|audio player|cookies?|comment form|leave a (?:reply|comment))\\b",
    "your email address will not be published",
    "required fields are marked",
    "^\\(?(?:with inputs from|additional reporting by|reporting by|editing by|compiled by)\\b",
    "^all rights reserved",
    "^(?:share|tweet|print|email)(?: this)?(?: article| story)?$",
  ].join("|"),
  "i",
);

/** A photo credit in brackets at the end of a line: "(Kiran Ridley/Getty Images)", "(Photo: AFP)". */
export const CAPTION_CREDIT = /\((?:[^()]*\/[^()]*|(?:photo|picture|image|file photo)[^()]*|[^()]*(?:getty|reuters|afp|ap photo|xinhua|epa|anadolu)[^()]*)\)\s*$/i;

/**
 * Words whose opposite answers a yes/no question with "no" although nothing is negated: "Was the EU
 * running a trade surplus?" against "the EU's trade deficit swelled".
 */
export const OPPOSITES: readonly (readonly [readonly string[], readonly string[]])[] = [
  [["surplus"], ["deficit"]],
  [["big", "large", "major", "huge", "significant", "substantial", "vast"], ["small", "limited", "minor", "modest", "negligible", "little"]],
  [["increase", "rise", "grow", "growth", "higher", "expand"], ["decrease", "fall", "shrink", "decline", "lower", "contract"]],
  [["agree", "accept", "approve", "support", "back"], ["disagree", "reject", "oppose", "refuse", "block"]],
  [["join", "enter"], ["leave", "withdraw", "exit", "quit"]],
  [["win", "won"], ["lose", "lost"]],
  [["allow", "permit", "lift"], ["ban", "forbid", "prohibit", "impose"]],
  [["success", "succeed"], ["failure", "fail"]],
  [["strengthen", "improve"], ["weaken", "worsen"]],
];

/**
 * Synonym groups of English news writing, used for every corpus (an alias file adds its own):
 * a question's word matches an article's that says the same ("truce" and "ceasefire").
 */
export const NEWS_SYNONYMS: readonly (readonly string[])[] = [
  ["truce", "ceasefire", "cease-fire", "armistice"],
  ["shortfall", "deficit", "imbalance", "trade gap"],
  ["surplus", "excess"],
  ["stop", "cease", "halt", "end"],
  ["help", "support", "assistance", "aid"],
  ["send", "provide", "supply", "deliver", "give", "hand", "hand over", "ship", "sell"],
  ["weapons", "arms", "lethal equipment", "military equipment", "munitions", "kit", "military kit", "military aid"],
  ["promise", "commitment", "pledge", "vow", "commit", "pledged"],
  ["join", "participate", "participation", "involvement", "membership", "take part", "sign up", "enter"],
  ["leave", "withdraw", "withdrawal", "exit", "pull out", "quit"],
  ["criticism", "criticise", "criticize", "smear", "attack", "condemn"],
  ["trip", "visit", "tour", "travel", "journey"],
  ["talks", "meeting", "summit", "dialogue", "discussions", "negotiations", "sit down with", "met with", "hold talks"],
  ["plan", "framework", "formula", "proposal", "blueprint"],
  ["goal", "aim", "objective", "target", "purpose", "achieve"],
  ["tariff", "tariffs", "duty", "duties", "levy", "countervailing"],
  ["probe", "investigation", "inquiry", "investigate"],
  ["companies", "firms", "businesses", "enterprises"],
  ["tension", "tensions", "friction", "frictions", "dispute", "disputes"],
  ["relations", "ties", "relationship"],
  ["influence", "leverage", "sway", "clout", "lean on", "pressure"],
  ["threat", "risk", "danger"],
  ["worried", "concerned", "concern", "concerns", "fear"],
  ["electric vehicles", "electric cars", "EV", "EVs"],
  ["decouple", "decoupling", "cut ties"],
  ["derisk", "de-risk", "de-risking", "derisking", "reduce dependence"],
  ["spokesman", "spokesperson", "spokeswoman"],
  ["economy", "economies", "economic"],
  ["agreement", "deal", "accord", "pact"],
  ["sanctions", "penalties", "restrictions"],
  ["curb", "curbs", "limit", "restrict", "restrictions"],
  ["war", "conflict", "invasion", "fighting", "crisis"],
  ["peace", "settlement"],
  ["president", "leader", "head"],
  ["journalists", "reporters", "press", "media"],
  ["statement", "declaration", "communique"],
  ["benefit", "benefits", "gain", "gains", "advantage"],
  ["hostages", "captives"],
  ["big", "large", "major", "vast", "significant"],
  ["talk", "discuss", "address", "raise", "go over", "bring up", "touch on", "cover"],
  ["finish", "conclude", "wrap up", "complete"],
  ["topics", "issues", "subjects", "matters", "agenda"],
  ["oppose", "opposed", "against", "object"],
  ["next", "after", "then", "afterwards", "subsequently"],
  ["arrive", "arrival", "get to", "reach", "land", "landed"],
  ["deadly", "lethal"],
  ["careful", "prudent", "cautious"],
  ["stay away from", "steer clear of", "avoid", "keep away from"],
  ["want", "hope", "wish"],
  ["meddling", "interference", "interfere", "meddle"],
  ["getting at", "alluding", "referring to", "hinting at"],
  ["call", "refer to as", "refers to as", "describe as", "term"],
  ["agree", "see eye to eye", "agreed", "concur"],
  ["photo", "picture", "pic", "image", "photograph"],
  ["presser", "press conference", "news conference", "briefing"],
  ["boss", "chief", "head", "president"],
  ["speak", "talk to", "comment", "spoke"],
  ["move", "flow", "travel"],
  ["factory", "plant", "facility"],
  ["blanket exemption", "general exemption"],
  ["host", "receive", "meet", "met with", "held discussions", "sit down together", "sat down together"],
  ["at odds", "at loggerheads", "clash", "disagree"],
  ["demand", "urge", "call on", "call for"],
  ["tolerate", "put up with", "accept"],
  ["forever", "indefinitely", "permanently"],
  ["still", "reaffirm", "reiterate", "remain", "stick with", "stick to", "stand by", "uphold"],
  ["protest", "demonstrate", "demonstration", "rally"],
  ["export", "exports", "sell", "sales"],
  ["step up", "ramp up", "intensify", "stepped up", "ramped up"],
  ["diplomacy", "diplomatic"],
  ["calm", "calm down", "de-escalate", "de-escalation", "defuse", "ease"],
  ["import", "imports", "buy", "purchase"],
  ["funding", "finance", "financing", "co-finance", "money", "loans"],
  ["start", "begin", "launch", "kick off"],
  ["trial", "pilot", "test"],
  ["warn", "caution"],
  ["reject", "refuse", "turn down", "dismiss"],
  ["announce", "unveil"],
  ["rise", "increase", "grow", "climb"],
  ["fall", "drop", "decline", "shrink"],
  ["cost", "price"],
  ["country", "nation"],
  ["law", "legislation", "regulation"],
  ["worry", "worried", "concern", "fear", "anxious"],
  ["member", "members", "sit on", "belong to", "seat"],
  ["quota", "allowance"],
  ["delay", "postpone", "push back"],
  ["ban", "prohibit"],
  ["help", "assist"],
  ["pandemic", "covid", "covid-19", "coronavirus"],
  ["in-person", "face-to-face", "in person", "face to face"],
  ["rush", "hurry", "quickly", "hastily", "in haste"],
  ["former", "ex", "one-time", "erstwhile"],
  ["rely", "count on", "depend on", "bank on"],
  ["in common", "share", "shared"],
  ["trigger", "set off", "spark"],
  ["volume", "level", "amount"],
  ["top diplomat", "foreign minister", "secretary of state", "foreign policy chief"],
  ["foreign ministry", "MFA", "ministry of foreign affairs"],
];
