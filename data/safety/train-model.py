#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Trains the crisis detector's second stage: a logistic regression over hashed text features.

Writes data/safety/model.bin (read by src/companion/sam-safety-model.c) and, with --expected,
the probabilities the C code must reproduce for a few fixed messages. Needs python3-numpy
(a development tool only; the build does not run it). See data/safety/README.md.

The features here and in sam-safety-model.c must stay identical: change both or neither.
"""
import argparse, json, math, os, struct, sys, unicodedata
import numpy as np

BITS = 18
D = 1 << BITS
MAGIC = b"SAMLR02\0"
HEADER = "<8sIffff"
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


def segments(text):
    """The bucket sets the detector scores: the whole message and, if several, each sentence
    of at least SENTENCE_MIN_WORDS words."""
    words = sentences(text)
    sents = [sentence_buckets(s) for s in words]
    whole = set().union(*sents) if sents else set()
    if len(sents) < 2:
        return whole, []
    return whole, [b for w, b in zip(words, sents) if len(w) >= SENTENCE_MIN_WORDS]


def load(paths):
    rows = []
    for path in paths:
        for line in open(path, encoding="utf-8"):
            if line.strip():
                m = json.loads(line)
                if "label" not in m:  # the C parity fixture
                    continue
                rows.append((m["text"], 1 if m["label"] == "crisis" else 0))
    return rows


def rule_examples(directory):
    rows = []
    for name in sorted(os.listdir(directory)):
        if name.endswith(".json"):
            data = json.load(open(os.path.join(directory, name), encoding="utf-8"))
            for r in data.get("rules", []):
                if r.get("kind") != "cue" and not r.get("requires"):
                    rows += [(e, 1) for e in r.get("examples", [])]
            for r in data.get("negatives", []):
                rows += [(e, 0) for e in r.get("examples", [])]
    return rows


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
    """Sparse rows: (row index, bucket, value) with each row scaled to unit length."""
    ri, ci, vals = [], [], []
    for r, buckets in enumerate(samples):
        b = sorted(buckets)
        v = 1.0 / math.sqrt(len(b)) if b else 0.0
        ri += [r] * len(b); ci += b; vals += [v] * len(b)
    return np.array(ri), np.array(ci), np.array(vals)


def train(samples, y, weight, l2, epochs):
    ri, ci, vals = design(samples)
    n = len(samples)
    w = np.zeros(D); b = 0.0
    mw = np.zeros(D); vw = np.zeros(D); mb = vb = 0.0
    lr, b1, b2, eps = 0.05, 0.9, 0.999, 1e-8
    for t in range(1, epochs + 1):
        z = np.bincount(ri, weights=vals * w[ci], minlength=n) + b
        p = 1 / (1 + np.exp(-z))
        g = (p - y) * weight / weight.sum()
        gw = np.bincount(ci, weights=vals * g[ri], minlength=D) + l2 * w
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
    def __init__(self, q, scale, bias, threshold, sentence_threshold):
        self.w = q.astype(np.float64) * scale
        self.bias, self.threshold, self.q, self.scale = bias, threshold, q, scale
        self.sentence_threshold = sentence_threshold

    def score(self, buckets):
        if not buckets:
            return 0.0
        z = self.bias + self.w[sorted(buckets)].sum() / math.sqrt(len(buckets))
        return 1 / (1 + math.exp(-z))

    def probabilities(self, text):
        """The whole message's probability and the highest of its sentences' (0 if one)."""
        whole, sents = segments(text)
        return self.score(whole), max([self.score(s) for s in sents] or [0.0])

    def probability(self, text):
        return max(self.probabilities(text))

    def is_crisis(self, text):
        whole, sentence = self.probabilities(text)
        return whole >= self.threshold or sentence >= self.sentence_threshold

    @staticmethod
    def read(path):
        data = open(path, "rb").read()
        magic, bits, scale, bias, threshold, sentence = struct.unpack_from(HEADER, data, 0)
        assert magic == MAGIC and bits == BITS
        q = np.frombuffer(data, dtype=np.int8, offset=struct.calcsize(HEADER), count=D)
        return Model(q, scale, bias, threshold, sentence)

    def write(self, path):
        with open(path, "wb") as fh:
            fh.write(struct.pack(HEADER, MAGIC, BITS, self.scale, self.bias, self.threshold,
                                 self.sentence_threshold))
            fh.write(self.q.tobytes())


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(os.path.dirname(here))
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--output", default=os.path.join(here, "model.bin"))
    ap.add_argument("--threshold", type=float, default=0.5,
                    help="probability at or above which a message is a crisis (stored in the file)")
    ap.add_argument("--sentence-margin", type=float, default=0.04,
                    help="how much surer the model must be of one sentence than of a message")
    ap.add_argument("--l2", type=float, default=1e-7)
    ap.add_argument("--epochs", type=int, default=300)
    ap.add_argument("--expected", help="write the C parity fixture here")
    ap.add_argument("--score", nargs="*", help="print probabilities of these JSONL sets and stop")
    args = ap.parse_args()

    if args.score:
        model = Model.read(args.output)
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
    rows = load(paths) + rule_examples(here)
    seen = {}
    for text, label in rows:
        seen.setdefault(text.strip(), label)
    samples, y, weight = [], [], []
    rng = np.random.default_rng(5)
    for text, label in seen.items():
        whole, sents = segments(text)
        samples.append(whole); y.append(label); weight.append(1.0)
        noisy = misspell(text, rng)
        if noisy != text:
            samples.append(segments(noisy)[0]); y.append(label); weight.append(0.5)
        # An ordinary message is ordinary sentence by sentence too, and the detector reads
        # sentences on their own.
        if label == 0 and len(sents) > 1:
            for s in sents:
                samples.append(s); y.append(0); weight.append(0.5)
    y = np.array(y, dtype=np.float64); weight = np.array(weight)
    pos = (y == 1)
    weight[pos] *= weight[~pos].sum() / weight[pos].sum()
    print(f"{len(seen)} messages ({int(pos.sum())} crisis) from {len(paths)} sets and the rules' "
          f"examples; {len(samples)} samples", file=sys.stderr)
    w, b = train(samples, y, weight, args.l2, args.epochs)
    q, scale = quantise(w)
    f32 = lambda x: np.float32(x).item()
    model = Model(q, f32(scale), f32(b), f32(args.threshold),
                  f32(min(args.threshold + args.sentence_margin, 0.999)))
    model.write(args.output)
    print(f"wrote {args.output}: {np.count_nonzero(q)} non-zero weights", file=sys.stderr)

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
