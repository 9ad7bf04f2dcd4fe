#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Trains the crisis detector's second stage: a logistic regression over hashed text features
and the detector's concepts.

Writes data/safety/model.bin (read by src/companion/sam-safety-model.c) and, with --expected,
the probabilities the C code must reproduce for a few fixed messages. Needs python3-numpy
(a development tool only; the build does not run it) and the build's sam-safety-features tool
(--features BUILDDIR/tests/sam-safety-features), which finds the concepts with the C code
itself. See data/safety/README.md.

The word features here and in sam-safety-model.c must stay identical: change both or neither.
"""
import argparse, json, math, os, struct, subprocess, sys, tempfile, unicodedata
import numpy as np

BITS = 18
D = 1 << BITS
CONCEPT_BITS = 14
DC = 1 << CONCEPT_BITS
MAGIC = b"SAMLR03\0"
HEADER = "<8sIffffIf"
# Rules below this confidence are overruled when the model gives a message less than
# VETO_PROBABILITY (MODEL_VETO_BELOW and MODEL_VETO_PROBABILITY in sam-safety.c).
VETO_BELOW = 0.95
VETO_PROBABILITY = 0.05
SENTENCE_MIN_WORDS = 3  # shorter sentences are read only as part of the message
APOSTROPHES = "'\u2019\u02bc\u2018`\u00b4"
SENTENCE_ENDS = ".!?;\n\u2026"
CONTRACTIONS = ("t", "s", "m", "re", "ve", "ll", "d")


def sentences(text):
    """Normalised sentences, each a list of words (lower case, accents dropped, repeats once)."""
    chars = [c for c in unicodedata.normalize("NFKD", text.casefold())
             if unicodedata.category(c) not in ("Mn", "Mc", "Me")]
    out, words, word, prev = [], [], [], ""
    n = len(chars)
    for i, c in enumerate(chars):
        if c in APOSTROPHES:
            rest = "".join(chars[i + 1:i + 4])
            joined = word and any(rest.startswith(k) and (len(rest) == len(k) or not rest[len(k)].isalpha())
                                  for k in CONTRACTIONS)
            if joined:
                continue
            c = " "
        if c.isalpha():
            if c == prev:
                continue
            word.append(c)
            prev = c
            continue
        if c.isdecimal():
            word.append(c)
            prev = c
            continue
        if word:
            words.append("".join(word))
            word = []
        prev = ""
        if c in SENTENCE_ENDS:
            if words:
                out.append(words)
                words = []
    if word:
        words.append("".join(word))
    if words:
        out.append(words)
    return out


def fnv1a(data):
    h = 2166136261
    for b in data:
        h = ((h ^ b) * 16777619) & 0xFFFFFFFF
    return (h ^ (h >> BITS)) & (D - 1)


def concept_bucket(h):
    """A concept hash from sam-safety-features folded as sam-safety-model.c folds it."""
    return (h ^ (h >> CONCEPT_BITS)) & (DC - 1)


class Features:
    """The concepts of messages, found by the C tool (sam-safety-features) and kept by text."""

    def __init__(self, tool, use=True):
        self.tool, self.cache, self.use = tool, {}, use

    def prepare(self, texts):
        todo = sorted({t for t in texts if t not in self.cache})
        if not todo:
            return
        with tempfile.NamedTemporaryFile("w", suffix=".jsonl", encoding="utf-8", delete=False) as fh:
            for t in todo:
                fh.write(json.dumps({"text": t}, ensure_ascii=False) + "\n")
            name = fh.name
        try:
            out = subprocess.run([self.tool, name], check=True, capture_output=True, text=True).stdout
        finally:
            os.unlink(name)
        lines = out.splitlines()
        assert len(lines) == len(todo), "sam-safety-features printed a line per message"
        for t, line in zip(todo, lines):
            self.cache[t] = json.loads(line)

    def get(self, text):
        self.prepare([text])
        return self.cache[text]


def sentence_buckets(words):
    keys = []
    for i, w in enumerate(words):
        keys.append("w" + w)
        if i + 1 < len(words):
            keys.append("b" + w + " " + words[i + 1])
        s = " " + w + " "
        for k in (3, 4, 5):
            for j in range(len(s) - k + 1):
                keys.append("c" + s[j:j + k])
    return {fnv1a(k.encode("utf-8")) for k in keys}


def segments(text, features):
    """The bucket sets the detector scores, each a pair (word buckets, concept buckets): the
    whole message and, if several, each sentence of at least SENTENCE_MIN_WORDS words."""
    words = sentences(text)
    found = features.get(text)
    assert [s["words"] for s in found["sentences"]] == words, \
        f"the C code splits this message differently: {text!r}"
    sents = [(sentence_buckets(w), {concept_bucket(h) for h in s["concepts"]} if features.use else set())
             for w, s in zip(words, found["sentences"])]
    whole = (set().union(*[t for t, _ in sents]) if sents else set(),
             set().union(*[c for _, c in sents]) if sents else set())
    if len(sents) < 2:
        return whole, []
    return whole, [b for w, b in zip(words, sents) if len(w) >= SENTENCE_MIN_WORDS]


def misspell(text, rng):
    """The same message typed in a hurry: some longer words lose, double or swap a letter."""
    words = text.split(" ")
    for i, w in enumerate(words):
        if len(w) >= 4 and w.isalpha() and rng.random() < 0.25:
            j = int(rng.integers(1, len(w) - 1))
            kind = rng.integers(3)
            if kind == 0:
                w = w[:j] + w[j + 1:]
            elif kind == 1:
                w = w[:j] + w[j + 1] + w[j] + w[j + 2:]
            else:
                w = w[:j] + w[j] + w[j:]
            words[i] = w
    return " ".join(words)


def design(samples):
    """Sparse rows: (row index, column, value), the word buckets in columns 0 … D - 1 and the
    concept buckets after them, each bag scaled to unit length."""
    ri, ci, vals = [], [], []
    for r, (words, concepts) in enumerate(samples):
        for offset, bag in ((0, words), (D, concepts)):
            b = sorted(bag)
            if not b or not words:
                continue
            v = 1.0 / math.sqrt(len(b))
            ri += [r] * len(b); ci += [offset + x for x in b]; vals += [v] * len(b)
    return np.array(ri, dtype=np.int64), np.array(ci, dtype=np.int64), np.array(vals)


def train(samples, y, weight, l2, epochs, concept_l2=None):
    ri, ci, vals = design(samples)
    n = len(samples)
    w = np.zeros(D + DC); b = 0.0
    reg = np.full(D + DC, l2)
    if concept_l2 is not None:
        reg[D:] = concept_l2
    l2 = reg
    mw = np.zeros(D + DC); vw = np.zeros(D + DC); mb = vb = 0.0
    lr, b1, b2, eps = 0.05, 0.9, 0.999, 1e-8
    for t in range(1, epochs + 1):
        z = np.bincount(ri, weights=vals * w[ci], minlength=n) + b
        p = 1 / (1 + np.exp(-z))
        g = (p - y) * weight / weight.sum()
        gw = np.bincount(ci, weights=vals * g[ri], minlength=D + DC) + l2 * w
        gb = g.sum()
        mw = b1 * mw + (1 - b1) * gw; vw = b2 * vw + (1 - b2) * gw * gw
        mb = b1 * mb + (1 - b1) * gb; vb = b2 * vb + (1 - b2) * gb * gb
        w -= lr * (mw / (1 - b1 ** t)) / (np.sqrt(vw / (1 - b2 ** t)) + eps)
        b -= lr * (mb / (1 - b1 ** t)) / (math.sqrt(vb / (1 - b2 ** t)) + eps)
    return w, b


def quantise(w):
    scale = float(np.abs(w).max()) / 127.0 or 1.0
    q = np.clip(np.round(w / scale), -127, 127).astype(np.int8)
    return q, scale


class Model:
    def __init__(self, q, scale, qc, concept_scale, bias, threshold, sentence_threshold):
        self.w = q.astype(np.float64) * scale
        self.wc = qc.astype(np.float64) * concept_scale
        self.bias, self.threshold, self.q, self.scale = bias, threshold, q, scale
        self.qc, self.concept_scale = qc, concept_scale
        self.sentence_threshold = sentence_threshold
        self.features = None

    def score(self, bags):
        words, concepts = bags
        if not words:
            return 0.0
        z = self.bias + self.w[sorted(words)].sum() / math.sqrt(len(words))
        if concepts:
            z += self.wc[sorted(concepts)].sum() / math.sqrt(len(concepts))
        return 1 / (1 + math.exp(-z))

    def probabilities(self, text):
        """The whole message's probability and the highest of its sentences' (0 if one)."""
        whole, sents = segments(text, self.features)
        return self.score(whole), max([self.score(s) for s in sents] or [0.0])

    def probability(self, text):
        return max(self.probabilities(text))

    def is_crisis(self, text):
        whole, sentence = self.probabilities(text)
        return whole >= self.threshold or sentence >= self.sentence_threshold

    @staticmethod
    def read(path):
        data = open(path, "rb").read()
        magic, bits, scale, bias, threshold, sentence, cbits, cscale = \
            struct.unpack_from(HEADER, data, 0)
        assert magic == MAGIC and bits == BITS and cbits == CONCEPT_BITS
        q = np.frombuffer(data, dtype=np.int8, offset=struct.calcsize(HEADER), count=D)
        qc = np.frombuffer(data, dtype=np.int8, offset=struct.calcsize(HEADER) + D, count=DC)
        return Model(q, scale, qc, cscale, bias, threshold, sentence)

    def write(self, path):
        with open(path, "wb") as fh:
            fh.write(struct.pack(HEADER, MAGIC, BITS, self.scale, self.bias, self.threshold,
                                 self.sentence_threshold, CONCEPT_BITS, self.concept_scale))
            fh.write(self.q.tobytes())
            fh.write(self.qc.tobytes())


def load_messages(paths, here):
    """Every labelled message once: text → (label, language, source)."""
    seen = {}
    for path in paths:
        for line in open(path, encoding="utf-8"):
            if line.strip():
                m = json.loads(line)
                if "label" in m:  # not the C parity fixture
                    seen.setdefault(m["text"].strip(), (1 if m["label"] == "crisis" else 0,
                                                        m.get("lang", "??"),
                                                        os.path.basename(path)))
    for name in sorted(os.listdir(here)):
        if name.endswith(".json"):
            data = json.load(open(os.path.join(here, name), encoding="utf-8"))
            lang = data.get("language", "??")
            for r in data.get("rules", []):
                if r.get("kind") != "cue" and not r.get("requires"):
                    for e in r.get("examples", []):
                        seen.setdefault(e.strip(), (1, lang, name))
            for r in data.get("negatives", []):
                for e in r.get("examples", []):
                    seen.setdefault(e.strip(), (0, lang, name))
    return seen


def build_samples(messages, features):
    """The training samples of some messages: each message, a misspelled copy, and the
    sentences of ordinary messages on their own. Returns samples, labels and weights."""
    rng = np.random.default_rng(5)
    noisy = {text: misspell(text, rng) for text in messages}
    features.prepare(list(messages) + list(noisy.values()))
    samples, y, weight = [], [], []
    for text, label in messages.items():
        whole, sents = segments(text, features)
        samples.append(whole); y.append(label); weight.append(1.0)
        if noisy[text] != text:
            samples.append(segments(noisy[text], features)[0]); y.append(label); weight.append(0.5)
        # An ordinary message is ordinary sentence by sentence too, and the detector reads
        # sentences on their own.
        if label == 0 and len(sents) > 1:
            for s in sents:
                samples.append(s); y.append(0); weight.append(0.5)
    y = np.array(y, dtype=np.float64); weight = np.array(weight)
    pos = (y == 1)
    weight[pos] *= weight[~pos].sum() / weight[pos].sum()
    return samples, y, weight


def fit(messages, features, args):
    """A quantised model trained on messages (text → label), without thresholds yet."""
    samples, y, weight = build_samples(messages, features)
    w, b = train(samples, y, weight, args.l2, args.epochs, args.concept_l2)
    q, scale = quantise(w[:D])
    qc, cscale = quantise(w[D:])
    f32 = lambda x: np.float32(x).item()
    model = Model(q, f32(scale), qc, f32(cscale), f32(b), 0.5, 0.5)
    model.features = features
    return model


def rules_verdict(found, whole, sentence):
    """The rules' verdict on a message (sam-safety-features' "rules" and "rules_crisis") once
    the model has had its say, as sam_safety_check() gives it."""
    if found["rules_crisis"] and found["rules"] < VETO_BELOW:
        return max(whole, sentence) >= VETO_PROBABILITY
    return found["rules_crisis"]


def table(rows, whole_t, sentence_t, out=sys.stderr, title=""):
    """Recall and false positives per language of rows (label, lang, rules, whole, sentence)
    when the detector fires on the rules or the model's thresholds."""
    stats = {}
    for label, lang, rules, whole, sentence in rows:
        fired = rules or whole >= whole_t or sentence >= sentence_t
        st = stats.setdefault(lang, [0, 0, 0, 0])
        st[0 if label else 2] += 1
        st[1 if label else 3] += fired
    total = [sum(v[i] for v in stats.values()) for i in range(4)]
    print(f"{title} (whole ≥ {whole_t:.3f}, sentence ≥ {sentence_t:.3f})", file=out)
    for lang, (n_c, hit, n_o, fp) in sorted(stats.items()) + [("ALL", total)]:
        print(f"  {lang:3s} recall {hit:4d}/{n_c:<4d} {100 * hit / max(n_c, 1):5.1f}%   "
              f"false positives {fp:3d}/{n_o:<4d} {100 * fp / max(n_o, 1):4.1f}%", file=out)
    return total[1] / max(total[0], 1), total[3] / max(total[2], 1)


def choose_thresholds(rows, max_fp, margin):
    """The lowest whole-message threshold (and the sentence one MARGIN above it) whose false
    positives stay at or below MAX_FP."""
    best = None
    for t in np.arange(0.50, 0.995, 0.005):
        s = min(t + margin, 0.999)
        n_o = sum(1 for r in rows if not r[0])
        fp = sum(1 for r in rows if not r[0] and (r[2] or r[3] >= t or r[4] >= s))
        if fp / max(n_o, 1) <= max_fp:
            best = (float(t), float(s))
            break
    return best or (0.995, 0.999)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(os.path.dirname(here))
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--features", required=True,
                    help="the build's sam-safety-features tool (BUILDDIR/tests/sam-safety-features)")
    ap.add_argument("--output", default=os.path.join(here, "model.bin"))
    ap.add_argument("--threshold", type=float, default=None,
                    help="probability at or above which a message is a crisis (stored in the "
                         "file); without it, chosen from out-of-fold scores (--folds)")
    ap.add_argument("--sentence-margin", type=float, default=0.04,
                    help="how much surer the model must be of one sentence than of a message")
    ap.add_argument("--max-fp", type=float, default=0.04,
                    help="out-of-fold false-positive rate the chosen threshold keeps to")
    ap.add_argument("--folds", type=int, default=5, help="cross-validation folds (0: none)")
    ap.add_argument("--random-folds", action="store_true",
                    help="split messages at random; by default each set (file) stays in one fold, "
                         "so that every message is scored by a model that saw none of its "
                         "writer's messages")
    ap.add_argument("--l2", type=float, default=3e-8)
    ap.add_argument("--concept-l2", type=float, default=None,
                    help="L2 penalty of the concept weights (default: --l2)")
    ap.add_argument("--epochs", type=int, default=300)
    ap.add_argument("--extra", nargs="*", default=[],
                    help="more labelled JSONL sets to train on")
    ap.add_argument("--evaluate", nargs="*", default=[],
                    help="labelled JSONL sets to report on (never trained on)")
    ap.add_argument("--no-concepts", action="store_true",
                    help="leave the concept features out (to compare; C reads them regardless)")
    ap.add_argument("--dump-oof", help="write the out-of-fold scores here (JSON lines)")
    ap.add_argument("--expected", help="write the C parity fixture here")
    ap.add_argument("--score", nargs="*", help="print probabilities of these JSONL sets and stop")
    args = ap.parse_args()
    features = Features(args.features, not args.no_concepts)

    if args.score:
        model = Model.read(args.output)
        model.features = features
        for path in args.score:
            for line in open(path, encoding="utf-8"):
                m = json.loads(line)
                print(json.dumps({"p": round(model.probability(m["text"]), 6), "label": m["label"],
                                  "lang": m.get("lang"), "crisis": model.is_crisis(m["text"])}))
        return

    fixtures = os.path.join(root, "tests", "fixtures")
    training = os.path.join(here, "training")
    paths = sorted(os.path.join(fixtures, f) for f in os.listdir(fixtures)
                   if f.startswith("safety-") and f.endswith(".jsonl"))
    paths += sorted(os.path.join(training, f) for f in os.listdir(training) if f.endswith(".jsonl"))
    exclude = os.environ.get("SAM_TRAIN_EXCLUDE")  # hold a set out to compare settings
    paths = [p for p in paths if not exclude or exclude not in p]
    paths += args.extra
    seen = load_messages(paths, here)
    messages = {t: label for t, (label, _, _) in seen.items()}
    print(f"{len(seen)} messages ({sum(messages.values())} crisis) from {len(paths)} sets and "
          f"the rules' examples", file=sys.stderr)

    def rows_for(texts, model):
        features.prepare(texts)
        out = []
        for t in texts:
            whole, sentence = model.probabilities(t)
            out.append((seen[t][0] if t in seen else None, seen[t][1] if t in seen else None,
                        rules_verdict(features.get(t), whole, sentence), whole, sentence))
        return out

    threshold = args.threshold
    if args.folds > 1:
        # Out-of-fold scores: every message scored by a model that never saw it.
        order = sorted(seen, key=lambda t: fnv1a(t.encode("utf-8")))
        if args.random_folds:
            folds = [order[k::args.folds] for k in range(args.folds)]
        else:
            # Whole sets to the fold with fewest messages yet, largest sets first.
            sources = {}
            for t in order:
                sources.setdefault(seen[t][2], []).append(t)
            folds = [[] for _ in range(args.folds)]
            for name in sorted(sources, key=lambda n: (-len(sources[n]), n)):
                min(folds, key=len).extend(sources[name])
        oof = []
        for k, held in enumerate(folds):
            held_set = set(held)
            model = fit({t: l for t, l in messages.items() if t not in held_set}, features, args)
            oof += rows_for(held, model)
            print(f"fold {k + 1}/{args.folds} done", file=sys.stderr)
        for cap in (0.02, 0.03, 0.04, 0.05):
            t, st = choose_thresholds(oof, cap, args.sentence_margin)
            rate = lambda rows: [sum(1 for r in rows if r[0] == lab and (r[2] or r[3] >= t or r[4] >= st))
                                 / max(1, sum(1 for r in rows if r[0] == lab)) for lab in (1, 0)]
            r, f = rate(oof)
            print(f"out-of-fold operating point: threshold {t:.3f}: recall {100 * r:.1f}%, "
                  f"false positives {100 * f:.1f}%", file=sys.stderr)
        if args.dump_oof:
            with open(args.dump_oof, "w", encoding="utf-8") as fh:
                for t, r in zip([t for held in folds for t in held], oof):
                    fh.write(json.dumps({"text": t, "label": r[0], "lang": r[1],
                                         "source": seen[t][2], "rules": features.get(t)["rules"],
                                         "rules_crisis": features.get(t)["rules_crisis"],
                                         "whole": r[3], "sentence": r[4]},
                                        ensure_ascii=False) + "\n")
        chosen = choose_thresholds(oof, args.max_fp, args.sentence_margin)
        if threshold is None:
            threshold = chosen[0]
        print(f"out-of-fold: false positives ≤ {100 * args.max_fp:.1f}% at threshold "
              f"{chosen[0]:.3f}", file=sys.stderr)
        table(oof, threshold, min(threshold + args.sentence_margin, 0.999),
              title="out-of-fold, rules or model")
        table([(l, g, False, w, s) for l, g, r, w, s in oof], threshold,
              min(threshold + args.sentence_margin, 0.999), title="out-of-fold, model alone")
    if threshold is None:
        threshold = 0.92

    model = fit(messages, features, args)
    f32 = lambda x: np.float32(x).item()
    model.threshold = f32(threshold)
    model.sentence_threshold = f32(min(threshold + args.sentence_margin, 0.999))
    model.write(args.output)
    print(f"wrote {args.output}: {np.count_nonzero(model.q)} + {np.count_nonzero(model.qc)} "
          f"non-zero weights, threshold {model.threshold:.3f}/{model.sentence_threshold:.3f}",
          file=sys.stderr)

    for path in args.evaluate:
        rows = []
        texts = []
        for line in open(path, encoding="utf-8"):
            if line.strip():
                m = json.loads(line)
                texts.append((m["text"], 1 if m["label"] == "crisis" else 0, m.get("lang", "??")))
        features.prepare([t for t, _, _ in texts])
        for t, label, lang in texts:
            whole, sentence = model.probabilities(t)
            rows.append((label, lang, rules_verdict(features.get(t), whole, sentence), whole, sentence))
        table(rows, model.threshold, model.sentence_threshold, title=os.path.basename(path))

    if args.expected:
        texts = ["I took a load of pills half an hour ago and I feel sick",
                 "What a lovely day for a walk by the river.",
                 "Je n'en peux plus. Demain je ne serai plus là.",
                 "Hoy cociné pasta con tomate y albahaca; quedó riquísima!!",
                 "Ich habe alles vorbereitet. Niemand wird mich vermissen.",
                 "sooo tired of everything... ti voglio bene, addio",
                 "Vandaag naar de markt geweest. Daarna koffie met mijn zus. Morgen werken, "
                 "en ik heb genoeg pillen gespaard om er een eind aan te maken. Slaap lekker!",
                 "The match was great. We scored twice in the second half. Then we had "
                 "pizza with the team and I got home late."]
        with open(args.expected, "w", encoding="utf-8") as fh:
            for t in texts:
                whole, sentence = model.probabilities(t)
                fh.write(json.dumps({"text": t, "whole": whole, "sentence": sentence,
                                     "crisis": model.is_crisis(t)}, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
