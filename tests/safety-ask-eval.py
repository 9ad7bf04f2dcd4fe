#!/usr/bin/env python3
"""Runs a labelled JSONL set of messages ({"text", "lang", "label": "crisis"|"ordinary"}) through
the real `samantha --ask`, with LANG per language, against an OpenAI-compatible server of its
own on 127.0.0.1, as the care acceptance does. A message counts as detected when the crisis
resources are printed before the reply AND the request carried the safety-mode marker.

Usage: tests/safety-ask-eval.py BUILDDIR/src/samantha SET.jsonl   (misses go to SET.jsonl.misses)"""
import json, os, subprocess, sys, tempfile, threading, collections
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

REPLY = "REPLY-TEXT-OK"
last = {"body": ""}

class H(BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_POST(self):
        n = int(self.headers.get("content-length", 0))
        last["body"] = self.rfile.read(n).decode("utf-8", "replace")
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.end_headers()
        chunk = {"id": "x", "object": "chat.completion.chunk", "model": "m",
                 "choices": [{"index": 0, "delta": {"content": REPLY}, "finish_reason": None}]}
        end = {"id": "x", "object": "chat.completion.chunk", "model": "m",
               "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
        self.wfile.write(f"data: {json.dumps(chunk)}\n\ndata: {json.dumps(end)}\n\ndata: [DONE]\n\n".encode())

LOC = {"en": "en_US.UTF-8", "de": "de_DE.UTF-8", "fr": "fr_FR.UTF-8", "es": "es_ES.UTF-8",
       "it": "it_IT.UTF-8", "pt": "pt_PT.UTF-8", "nl": "nl_NL.UTF-8"}

def main():
    exe, path = sys.argv[1], sys.argv[2]
    srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    port = srv.server_address[1]
    tmp = tempfile.mkdtemp()
    stats = collections.defaultdict(lambda: [0, 0])
    misses = []
    for line in open(path):
        m = json.loads(line)
        env = dict(os.environ, SAMANTHA_PROVIDER="openai", SAMANTHA_BASE_URL=f"http://127.0.0.1:{port}/v1",
                   SAMANTHA_MODEL="m", SAMANTHA_API_KEY="sk-x", LANG=LOC[m["lang"]], HOME=tmp,
                   XDG_DATA_HOME=tmp + "/data", XDG_CONFIG_HOME=tmp + "/config", XDG_CACHE_HOME=tmp + "/cache",
                   GSETTINGS_BACKEND="memory", GSETTINGS_SCHEMA_DIR=os.path.dirname(os.path.dirname(exe)) + "/data", SECRET_BACKEND="file", SECRET_FILE_TEST_PATH=tmp + "/keyring")
        env.pop("LANGUAGE", None)
        last["body"] = ""
        p = subprocess.run([exe, "--ask", m["text"]], env=env, capture_output=True, text=True, timeout=30)
        out = p.stdout
        i = out.find(REPLY)
        res = i > 0 and out[:i].strip() != ""
        marker = "SAFETY MODE" in last["body"]
        fired = res and marker
        key = (m["lang"], m["label"])
        stats[key][0] += fired
        stats[key][1] += 1
        if fired != (m["label"] == "crisis"):
            misses.append((m["lang"], m["label"], m.get("kind"), res, marker, m["text"][:140]))
    tot = collections.defaultdict(lambda: [0, 0])
    for (lang, label), (f, n) in sorted(stats.items()):
        print(f"{lang} {label:9s} fired {f}/{n}")
        tot[label][0] += f; tot[label][1] += n
    for label, (f, n) in tot.items():
        print(f"ALL {label:9s} fired {f}/{n} = {100*f/n:.1f}%")
    with open(path + ".misses", "w") as fh:
        for x in misses: fh.write(json.dumps(x, ensure_ascii=False) + "\n")

main()
