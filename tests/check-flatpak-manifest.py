#!/usr/bin/env python3
"""Checks the Flatpak manifest: valid JSON, our app, a GNOME runtime and no needless holes."""

import json
import shutil
import subprocess
import sys

ALLOWED_FINISH_ARGS = {
    "--share=network",
    "--share=ipc",
    "--socket=wayland",
    "--socket=fallback-x11",
    "--device=dri",
    "--talk-name=org.kde.StatusNotifierWatcher",
}

path = sys.argv[1]
with open(path, encoding="utf-8") as f:
    manifest = json.load(f)

failures = []


def check(condition, message):
    if not condition:
        failures.append(message)


check(manifest.get("id") == "io.github.samanthaos.Samantha", "id is not the app ID")
check(manifest.get("runtime") == "org.gnome.Platform", "runtime is not org.gnome.Platform")
check(manifest.get("sdk") == "org.gnome.Sdk", "sdk is not org.gnome.Sdk")
check(str(manifest.get("runtime-version", "")).isdigit(), "runtime-version is not a GNOME release")
check(manifest.get("command") == "samantha", "command is not samantha")

finish_args = manifest.get("finish-args", [])
for arg in finish_args:
    check(arg in ALLOWED_FINISH_ARGS, f"finish-arg {arg} is more than Samantha needs")
for arg in ("--share=network", "--socket=wayland", "--socket=fallback-x11"):
    check(arg in finish_args, f"finish-arg {arg} is missing")
check(not any(a.startswith("--own-name=org.kde") for a in finish_args), "owns an org.kde name")
check(not any(a.startswith("--filesystem") for a in finish_args),
      "asks for file system access; use the file chooser portal")

modules = manifest.get("modules", [])
names = [m.get("name") if isinstance(m, dict) else m for m in modules]
check(names and names[-1] == "samantha", "the last module is not samantha")
if names and isinstance(modules[-1], dict):
    check(modules[-1].get("buildsystem") == "meson", "samantha is not built with meson")

flatpak_builder = shutil.which("flatpak-builder")
if flatpak_builder:
    result = subprocess.run([flatpak_builder, "--show-manifest", path],
                            capture_output=True, text=True)
    check(result.returncode == 0, f"flatpak-builder cannot read it: {result.stderr.strip()}")

for failure in failures:
    print(f"not ok: {failure}")
if failures:
    sys.exit(1)
print(f"ok: {path}")
