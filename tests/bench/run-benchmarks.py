#!/usr/bin/env python3
"""Samantha's benchmarks, quoted as ratios against a baseline measured in the same run.

Usage: run-benchmarks.py BUILDDIR [PART ...]   (under tests/headless-run.sh: it needs Xvfb
and a bus). PART is one of startup, store, recall-speed, streaming, decoder, locomo; all
parts run when none is named.
"""

import os
import statistics
import subprocess
import sys
import tempfile
import time

BUILDDIR = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "_build")
RUNS = int(os.environ.get("SAMANTHA_BENCH_RUNS", "15"))


def base_env(home):
    env = dict(os.environ)
    for key in ("SAMANTHA_API_KEY", "SAMANTHA_PROVIDER", "SAMANTHA_BASE_URL", "SAMANTHA_MODEL"):
        env.pop(key, None)
    env.update({
        "HOME": home,
        "XDG_DATA_HOME": os.path.join(home, "data"),
        "XDG_CONFIG_HOME": os.path.join(home, "config"),
        "XDG_CACHE_HOME": os.path.join(home, "cache"),
        "GSETTINGS_BACKEND": "memory",
        "GSETTINGS_SCHEMA_DIR": os.path.join(BUILDDIR, "data"),
        "GSK_RENDERER": "cairo",
        "GDK_BACKEND": "x11",
        "ADW_DISABLE_PORTAL": "1",
        "GTK_USE_PORTAL": "0",
        "NO_AT_BRIDGE": "1",
    })
    return env


def run_once(argv, env):
    """Runs argv to completion; returns (wall seconds, peak RSS in KiB)."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        err = proc.stderr.read().decode(errors="replace")
        raise SystemExit(f"{argv[0]} exited with {proc.returncode}: {err}")
    proc.stderr.close()
    return elapsed, usage.ru_maxrss


def bench_startup(samantha_home, label):
    """Start to first frame of samantha against the bare libadwaita window, alternating."""
    bare = [os.path.join(BUILDDIR, "tests", "bench", "bench-bare-window")]
    app = [os.path.join(BUILDDIR, "src", "samantha")]
    with tempfile.TemporaryDirectory(prefix="samantha-bench-bare-") as bare_home:
        bare_env = base_env(bare_home)
        app_env = base_env(samantha_home)
        app_env["SAMANTHA_EXIT_AFTER_FIRST_FRAME"] = "1"

        # One warm-up each, so neither pays for a cold page cache.
        run_once(bare, bare_env)
        run_once(app, app_env)

        bare_times, bare_rss, app_times, app_rss = [], [], [], []
        for _ in range(RUNS):
            t, rss = run_once(bare, bare_env)
            bare_times.append(t)
            bare_rss.append(rss)
            t, rss = run_once(app, app_env)
            app_times.append(t)
            app_rss.append(rss)

    bt, at = statistics.median(bare_times), statistics.median(app_times)
    bm, am = statistics.median(bare_rss), statistics.median(app_rss)
    print(f"startup ({label}): samantha {at * 1000:.1f} ms, bare window {bt * 1000:.1f} ms, "
          f"ratio {at / bt:.2f} (budget 1.30)")
    print(f"peak memory ({label}): samantha {am / 1024:.1f} MiB, bare window {bm / 1024:.1f} MiB, "
          f"difference {(am - bm) / 1024:+.1f} MiB (budget +25.0)")
    return at / bt <= 1.3 and (am - bm) / 1024 <= 25.0


def populate_store(home):
    """Writes 1,000 conversations / 100,000 messages into the store of HOME's data dir."""
    data_home = os.path.join(home, "data")
    populate = os.path.join(BUILDDIR, "tests", "bench", "bench-populate-store")
    subprocess.run([populate, data_home], check=True, stdout=subprocess.DEVNULL)


def bench_store():
    """FTS search over 100,000 messages and opening a 100,000-message conversation, each
    against a naive baseline (LIKE scan, every message materialised) in the same run."""
    bench = os.path.join(BUILDDIR, "tests", "bench", "bench-store")
    proc = subprocess.run([bench], stdout=subprocess.PIPE, text=True)
    print(proc.stdout, end="")
    return proc.returncode == 0


def bench_recall_speed():
    """sam_memory_recall over 100,000 facts (median and p95, budget 10 ms) against a plain
    FTS5 MATCH over the same facts in the same run."""
    bench = os.path.join(BUILDDIR, "tests", "bench", "bench-recall-speed")
    proc = subprocess.run([bench], stdout=subprocess.PIPE, text=True)
    print(proc.stdout, end="")
    return proc.returncode == 0


def bench_streaming():
    """20,000 tokens at 1,000 tokens/s into the real conversation view."""
    exe = os.path.join(BUILDDIR, "tests", "bench", "bench-streaming")
    with tempfile.TemporaryDirectory(prefix="samantha-bench-stream-") as home:
        env = base_env(home)
        env["GTK_A11Y"] = "none"
        result = subprocess.run([exe], env=env, capture_output=True, text=True)
    for line in result.stdout.splitlines():
        print(line)
    return result.returncode == 0


def bench_stream_decoder():
    """SSE and NDJSON decoding of the recorded wire fixtures, repeated to 64 MB, against
    memchr over the same bytes."""
    exe = os.path.join(BUILDDIR, "tests", "bench", "bench-stream-decoder")
    fixtures = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "wire")
    result = subprocess.run([exe, fixtures], stdout=subprocess.PIPE, text=True)
    print(result.stdout, end="")
    return result.returncode == 0


# LoCoMo (CC BY-NC 4.0) is read from ../shared/eval/ next to the source tree when it is there;
# it is never copied into the repository.
LOCOMO_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..",
                           "shared", "eval", "locomo-dev.json")
LOCOMO_CATEGORIES = {1: "multi-hop", 2: "temporal", 3: "open-domain", 4: "single-hop"}
LOCOMO_STOP = set("""a about above after again against all am an and any are aren't as at be
because been before being below between both but by can can't cannot could couldn't did didn't
do does doesn't doing don't down during each few for from further had hadn't has hasn't have
haven't having he he'd he'll he's her here here's hers herself him himself his how how's i i'd
i'll i'm i've if in into is isn't it it's its itself let's me more most mustn't my myself no nor
not of off on once only or other ought our ours ourselves out over own same shan't she she'd
she'll she's should shouldn't so some such than that that's the their theirs them themselves
then there there's these they they'd they'll they're they've this those through to too under
until up very was wasn't we we'd we'll we're we've were weren't what what's when when's where
where's which while who who's whom why why's with won't would wouldn't you you'd you'll you're
you've your yours yourself yourselves""".split())


def locomo_sessions(sample):
    """[(session number, start time in seconds, [turn, ...])] of one LoCoMo conversation."""
    import datetime
    conv = sample["conversation"]
    sessions = []
    n = 1
    while f"session_{n}" in conv:
        when = datetime.datetime.strptime(conv[f"session_{n}_date_time"].replace(",", ""),
                                          "%I:%M %p on %d %B %Y")
        start = when.replace(tzinfo=datetime.timezone.utc).timestamp()
        sessions.append((n, start, conv[f"session_{n}"]))
        n += 1
    return sessions


def locomo_turn_text(turn):
    text = f"{turn['speaker']}: {turn['text']}"
    if turn.get("blip_caption"):
        text += f" [shares a photo: {turn['blip_caption']}]"
    return text


def locomo_to_chatgpt(sample):
    """One ChatGPT-format conversation per session, dated by the session; returns the export
    and the dia_id of each message, per conversation id, in order."""
    conv = sample["conversation"]
    export, dia_ids = [], {}
    for n, start, turns in locomo_sessions(sample):
        uuid = f"locomo-{sample['sample_id']}-session-{n}"
        mapping = {"root": {"id": "root", "message": None, "parent": None, "children": []}}
        parent = "root"
        for i, turn in enumerate(turns):
            node = f"{uuid}-{i}"
            role = "user" if turn["speaker"] == conv["speaker_a"] else "assistant"
            mapping[node] = {"id": node, "parent": parent, "children": [], "message": {
                "id": node, "author": {"role": role}, "create_time": start + 30 * i,
                "content": {"content_type": "text", "parts": [locomo_turn_text(turn)]}}}
            mapping[parent]["children"].append(node)
            parent = node
        export.append({"title": f"{conv['speaker_a']} and {conv['speaker_b']}, session {n}",
                       "create_time": start, "update_time": start + 30 * len(turns),
                       "conversation_id": uuid, "mapping": mapping, "current_node": parent})
        dia_ids[uuid] = [turn["dia_id"] for turn in turns]
    return export, dia_ids


def locomo_questions(sample, known):
    """Category 1–4 questions whose evidence names turns that exist."""
    for qa in sample["qa"]:
        evidence = [e for e in qa.get("evidence", []) if e in known]
        if qa.get("category") in LOCOMO_CATEGORIES and evidence:
            yield qa, set(evidence)


def locomo_bm25_baseline(sample, questions):
    """Plain FTS5 BM25 over the raw turns (one row per turn, the question's non-stop words
    OR-ed): the top 10 dia_ids per question."""
    import re
    import sqlite3
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE t USING fts5 (dia_id UNINDEXED, text, "
               "tokenize = 'porter unicode61 remove_diacritics 2')")
    for _, _, turns in locomo_sessions(sample):
        db.executemany("INSERT INTO t VALUES (?, ?)",
                       [(turn["dia_id"], locomo_turn_text(turn)) for turn in turns])
    results = []
    for qa, _ in questions:
        words = []
        for w in re.findall(r"[A-Za-z0-9']+", qa["question"].lower()):
            if w not in LOCOMO_STOP and w.replace("'", "") and w.replace("'", "") not in words:
                words.append(w.replace("'", ""))
        if not words:
            results.append([])
            continue
        match = " OR ".join(f'"{w}"' for w in words)
        results.append([r[0] for r in db.execute(
            "SELECT dia_id FROM t WHERE t MATCH ? ORDER BY bm25 (t) LIMIT 10", (match,))])
    return results


def locomo_recall(sample, questions):
    """Imports the sample through `samantha --import` into a fresh HOME and asks every
    question through `samantha --recall -`: the top 10 dia_ids per question."""
    import json
    import sqlite3
    app = os.path.join(BUILDDIR, "src", "samantha")
    export, dia_ids = locomo_to_chatgpt(sample)
    with tempfile.TemporaryDirectory(prefix="samantha-bench-locomo-") as home:
        env = base_env(home)
        path = os.path.join(home, "conversations.json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(export, f)
        subprocess.run([app, "--import", path], env=env, check=True,
                       stdout=subprocess.DEVNULL)
        db = sqlite3.connect(os.path.join(home, "data", "samantha", "samantha.db"))
        dia_of = {}
        for uuid, ids in dia_ids.items():
            rows = db.execute("SELECT m.id FROM messages m JOIN conversations c "
                              "ON c.id = m.conversation_id WHERE c.uuid = ? ORDER BY m.id",
                              (uuid,)).fetchall()
            if len(rows) != len(ids):
                raise SystemExit(f"LoCoMo: {uuid} imported {len(rows)} of {len(ids)} turns")
            dia_of.update({row[0]: dia for row, dia in zip(rows, ids)})
        db.close()
        queries = "".join(" ".join(qa["question"].split()) + "\n" for qa, _ in questions)
        start = time.perf_counter()
        proc = subprocess.run([app, "--recall", "-"], env=env, input=queries, text=True,
                              capture_output=True, check=True)
        elapsed = time.perf_counter() - start
    results = [[] for _ in questions]
    for line in proc.stdout.splitlines():
        hit = json.loads(line)
        if hit["kind"] == "message":
            results[hit["query"]].append(dia_of.get(hit["id"]))
    return [r[:10] for r in results], elapsed


def bench_locomo():
    """For each LoCoMo question (categories 1–4), is an evidence turn among the top 10 that
    `samantha --recall` returns, after `samantha --import` of the conversations as a ChatGPT
    export? Plain FTS5 BM25 over the raw turns is measured in the same run."""
    import json
    if not os.path.exists(LOCOMO_PATH):
        print("LoCoMo recall: skipped, ../shared/eval/locomo-dev.json is not there "
              "(the data set is CC BY-NC and never part of the repository)")
        return True
    with open(LOCOMO_PATH, encoding="utf-8") as f:
        samples = json.load(f)
    counts = {}
    start = time.perf_counter()
    n_questions = 0
    recall_seconds = 0.0
    for sample in samples:
        known = {t["dia_id"] for _, _, turns in locomo_sessions(sample) for t in turns}
        questions = list(locomo_questions(sample, known))
        n_questions += len(questions)
        ours, seconds = locomo_recall(sample, questions)
        recall_seconds += seconds
        base = locomo_bm25_baseline(sample, questions)
        for (qa, evidence), got, baseline in zip(questions, ours, base):
            for key in (qa["category"], "all"):
                c = counts.setdefault(key, [0, 0, 0])
                c[0] += 1
                c[1] += bool(evidence & set(got))
                c[2] += bool(evidence & set(baseline))
    elapsed = time.perf_counter() - start
    print(f"LoCoMo recall ({len(samples)} conversations, {n_questions} questions, "
          f"{elapsed:.1f} s): an evidence turn in the top 10")
    for key in list(LOCOMO_CATEGORIES) + ["all"]:
        if key not in counts:
            continue
        n, ours, base = counts[key]
        name = f"{key} {LOCOMO_CATEGORIES[key]}" if key in LOCOMO_CATEGORIES else "all"
        print(f"  {name:16} ({n:4}): samantha --recall {ours / n:6.1%}, plain BM25 {base / n:6.1%}")
    n, ours, base = counts["all"]
    print(f"  samantha --recall - took {recall_seconds / n_questions * 1000:.1f} ms a question "
          "(process start included)")
    print(f"LoCoMo recall: {ours / n:.2%} (target 85%), plain BM25 {base / n:.2%}")
    return ours / n >= 0.85


def bench_startups():
    ok = True
    with tempfile.TemporaryDirectory(prefix="samantha-bench-") as home:
        ok &= bench_startup(home, "empty store")
    with tempfile.TemporaryDirectory(prefix="samantha-bench-large-") as home:
        populate_store(home)
        ok &= bench_startup(home, "1,000 conversations / 100,000 messages")
    return ok


PARTS = {
    "startup": bench_startups,
    "store": bench_store,
    "recall-speed": bench_recall_speed,
    "streaming": bench_streaming,
    "decoder": bench_stream_decoder,
    "locomo": bench_locomo,
}


def main():
    chosen = sys.argv[2:] or list(PARTS)
    unknown = [name for name in chosen if name not in PARTS]
    if unknown:
        raise SystemExit(f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(PARTS)}")
    ok = True
    for name in chosen:
        ok &= PARTS[name]()
    print("all budgets met" if ok else "some budgets were missed")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
