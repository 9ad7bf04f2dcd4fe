# Samantha's developer entry points. `make run` and `make check` install any missing Debian
# packages first, so both work on a fresh Debian 12 machine.

BUILDDIR ?= _build
ASAN_BUILDDIR ?= _build-asan
MESON_TEST_ARGS ?= --print-errorlogs --num-processes 2

.PHONY: all deps build run check check-plain check-asan check-asan-unit bench fuzz clean pot

all: build

deps:
	@sh .ci/install-deps

$(BUILDDIR)/build.ninja:
	meson setup $(BUILDDIR) --buildtype=debugoptimized

build: deps $(BUILDDIR)/build.ninja
	meson compile -C $(BUILDDIR)

run: build
	GSETTINGS_SCHEMA_DIR=$(BUILDDIR)/data SAMANTHA_MODULE_DIR=$(BUILDDIR)/src $(BUILDDIR)/src/samantha

check: deps
	@status=0; \
	$(MAKE) --no-print-directory check-plain || status=1; \
	$(MAKE) --no-print-directory check-asan || status=1; \
	$(MAKE) --no-print-directory fuzz || status=1; \
	exit $$status

check-plain: $(BUILDDIR)/build.ninja
	meson compile -C $(BUILDDIR)
	meson test -C $(BUILDDIR) $(MESON_TEST_ARGS)

# The same suite once more with AddressSanitizer and UndefinedBehaviorSanitizer. Leak
# detection stays on for the tests without a display; GTK's caches read as leaks under Xvfb.
$(ASAN_BUILDDIR)/build.ninja:
	meson setup $(ASAN_BUILDDIR) --buildtype=debug -Db_sanitize=address,undefined -Db_lundef=false

check-asan: $(ASAN_BUILDDIR)/build.ninja
	meson compile -C $(ASAN_BUILDDIR)
	@status=0; \
	$(MAKE) --no-print-directory check-asan-unit || status=1; \
	ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	  meson test -C $(ASAN_BUILDDIR) $(MESON_TEST_ARGS) --no-rebuild --suite ui --logbase asan-ui || status=1; \
	exit $$status

# The stream decoder under libFuzzer for FUZZ_SECONDS, seeded with the recorded wire
# fixtures; skipped where clang is missing.
FUZZ_BUILDDIR ?= _build-fuzz
FUZZ_SECONDS ?= 20

fuzz:
	@if ! command -v clang >/dev/null 2>&1; then echo "fuzz: clang not found, skipped"; exit 0; fi; \
	if [ ! -f $(FUZZ_BUILDDIR)/build.ninja ]; then \
	  CC=clang meson setup $(FUZZ_BUILDDIR) -Dfuzzing=true --buildtype=debugoptimized >/dev/null || exit 1; \
	fi; \
	meson compile -C $(FUZZ_BUILDDIR) fuzz-stream-decoder >/dev/null || exit 1; \
	corpus=$$(mktemp -d); \
	$(FUZZ_BUILDDIR)/tests/fuzz/fuzz-stream-decoder -max_total_time=$(FUZZ_SECONDS) \
	  -print_final_stats=1 $$corpus tests/fixtures/wire tests/fixtures/wire/edge \
	  >$$corpus.log 2>&1; status=$$?; \
	grep -E '^(Done|stat::average_exec_per_sec)' $$corpus.log; \
	if [ $$status -ne 0 ]; then tail -60 $$corpus.log; fi; \
	rm -rf $$corpus $$corpus.log; \
	exit $$status

# Leak detection is on for the tests without a display. LeakSanitizer's own tracer is known to
# crash now and then after a test has passed (google/sanitizers#1353): only when the log shows
# that crash is the suite run once more, and the second run's results are the ones kept. A real
# leak or memory error fails both runs.
ASAN_UNIT_ENV = ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0 \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1

check-asan-unit:
	@if $(ASAN_UNIT_ENV) meson test -C $(ASAN_BUILDDIR) $(MESON_TEST_ARGS) --no-rebuild --suite unit --logbase asan-unit; then \
	  exit 0; \
	elif grep -q "LeakSanitizer has encountered a fatal error" $(ASAN_BUILDDIR)/meson-logs/asan-unit.txt; then \
	  echo "check-asan: LeakSanitizer's tracer crashed; running the unit suite once more"; \
	  $(ASAN_UNIT_ENV) meson test -C $(ASAN_BUILDDIR) $(MESON_TEST_ARGS) --no-rebuild --suite unit --logbase asan-unit; \
	else \
	  exit 1; \
	fi

bench: build
	tests/headless-run.sh python3 tests/bench/run-benchmarks.py $(BUILDDIR)

pot: $(BUILDDIR)/build.ninja
	meson compile -C $(BUILDDIR) samantha-pot samantha-update-po

clean:
	rm -rf $(BUILDDIR) $(ASAN_BUILDDIR) $(FUZZ_BUILDDIR)
