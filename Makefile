# tern - a terminal mail client.  See README and config.mk.

include config.mk

# Every layer is a directory; src/main.c wires them together.  src/ui/
# is the only code that uses curses.
LIB_SRC = $(wildcard src/core/*.c src/net/*.c src/store/*.c src/mail/*.c src/sync/*.c src/ui/*.c)
LIB_OBJ = $(LIB_SRC:.c=.o)
# The command line: main.c, the subcommands (src/cmd*.c) and the demo.
CMD_OBJ = $(patsubst %.c,%.o,$(wildcard src/*.c))
# Private headers (src/*/*_int.h) too: a struct that changes must
# rebuild every object that lays it out.
HDR = $(wildcard include/*.h src/*/*.h)

UNIT_SRC = $(wildcard tests/check_*.c)
UNIT_BIN = $(UNIT_SRC:.c=)
# Programs the integration tests drive against the real servers.
ITEST_SRC = $(wildcard tests/itest_*.c)
ITEST_BIN = $(ITEST_SRC:.c=)

all: options tern

options:
	@echo tern build options:
	@echo "CFLAGS  = $(TERN_CFLAGS)"
	@echo "LDFLAGS = $(TERN_LDFLAGS)"
	@echo "CC      = $(CC)"

.c.o:
	$(CC) $(TERN_CPPFLAGS) $(TERN_CFLAGS) -c $< -o $@

$(LIB_OBJ) $(CMD_OBJ): $(HDR) config.mk

libtern.a: $(LIB_OBJ)
	rm -f $@
	ar rcs $@ $(LIB_OBJ)

tern: $(CMD_OBJ) libtern.a
	$(CC) -o $@ $(CMD_OBJ) libtern.a $(TERN_LDFLAGS) $(PKG_LIBS)

tests/check_%: tests/check_%.c tests/check_main.h tests/check_peer.h libtern.a $(HDR)
	$(CC) $(TERN_CPPFLAGS) $(TERN_CFLAGS) $(CHECK_CFLAGS) -o $@ $< \
		libtern.a $(TERN_LDFLAGS) $(PKG_LIBS) $(CHECK_LIBS)

tests/itest_%: tests/itest_%.c libtern.a $(HDR)
	$(CC) $(TERN_CPPFLAGS) $(TERN_CFLAGS) -o $@ $< libtern.a \
		$(TERN_LDFLAGS) $(PKG_LIBS)

unit: $(UNIT_BIN)

# Unit tests (Check) need nothing running; integration tests start
# their own Dovecot, Postfix and gnome-keyring on 127.0.0.1.
# make check also runs the sanitizer pass (beside the normal one, with
# its own servers; its output follows the normal pass's) and a short
# fuzz pass: see "Sanitizers, valgrind and fuzzing" below.
check: tern $(UNIT_BIN) $(ITEST_BIN)
	@$(MAKE) -s -j$(CHECK_JOBS) san-bins fuzz
	@rc=0; mkdir -p $(SAN_DIR); \
	$(MAKE) -s san-run >$(SAN_DIR)/check.log 2>&1 & san=$$!; \
	sh tests/run $(UNIT_BIN) || rc=1; \
	wait $$san || rc=1; \
	echo "== sanitizer pass (ASan + UBSan)"; cat $(SAN_DIR)/check.log; \
	$(MAKE) -s fuzz-run || rc=1; \
	if [ $$rc = 0 ]; then echo "check: all passes passed"; \
	else echo "check: FAILED (see above)"; fi; exit $$rc

check-unit: tern $(UNIT_BIN)
	sh tests/run --unit-only $(UNIT_BIN)

deps:
	sh tests/deps.sh

# Speed and size of tern sync on 100,000 messages against the real
# Dovecot, beside a minimal client's wire floor (BENCH_MESSAGES=2000
# BENCH_FOLDERS=10 for a quick run).  A report; not part of check.
bench: tern
	sh tests/bench/run

# The UI benchmark's store writer: a synced-looking store of N messages.
tests/bench/fill: tests/bench/fill.c libtern.a $(HDR)
	$(CC) $(TERN_CPPFLAGS) $(TERN_CFLAGS) -o $@ tests/bench/fill.c \
		libtern.a $(TERN_LDFLAGS) $(PKG_LIBS)

clean:
	rm -f tern src/*.o $(LIB_OBJ) libtern.a $(UNIT_BIN) $(ITEST_BIN) \
		tests/bench/fill tests/bench/thread_bench tests/bench/fts_bench \
		tests/bench/hostile_bench
	rm -rf $(SAN_DIR) $(FUZZ_DIR)

install: tern
	mkdir -p $(DESTDIR)$(PREFIX)/bin
	cp -f tern $(DESTDIR)$(PREFIX)/bin/tern
	chmod 755 $(DESTDIR)$(PREFIX)/bin/tern
	mkdir -p $(DESTDIR)$(MANPREFIX)/man1 $(DESTDIR)$(MANPREFIX)/man5
	for m in man/*.1; do cp -f $$m $(DESTDIR)$(MANPREFIX)/man1/; done
	for m in man/*.5; do cp -f $$m $(DESTDIR)$(MANPREFIX)/man5/; done
	chmod 644 $(DESTDIR)$(MANPREFIX)/man1/tern*.1 $(DESTDIR)$(MANPREFIX)/man5/tern*.5
	mkdir -p $(DESTDIR)$(DATADIR)/themes
	cp -f themes/* $(DESTDIR)$(DATADIR)/themes/
	chmod 644 $(DESTDIR)$(DATADIR)/themes/*

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/tern
	for m in man/*.1; do rm -f $(DESTDIR)$(MANPREFIX)/man1/$${m#man/}; done
	for m in man/*.5; do rm -f $(DESTDIR)$(MANPREFIX)/man5/$${m#man/}; done
	rm -rf $(DESTDIR)$(DATADIR)

.PHONY: all options unit check check-unit deps bench clean install uninstall

# How long threading a 100,000-message folder takes (a report, run by
# hand: make thread-bench).
tests/bench/thread_bench: tests/bench/thread_bench.c libtern.a $(HDR)
	$(CC) $(TERN_CPPFLAGS) $(TERN_CFLAGS) -o $@ $< libtern.a $(TERN_LDFLAGS)

thread-bench: tests/bench/thread_bench
	./tests/bench/thread_bench

.PHONY: thread-bench

# How fast full-text search is on 100,000 cached messages with bodies
# (a report; part of make bench, alone: make fts-bench;
# FTS_BENCH_ARGS="-n 20000" for a quick run).
tests/bench/fts_bench: tests/bench/fts_bench.c libtern.a $(HDR)
	$(CC) $(TERN_CPPFLAGS) $(TERN_CFLAGS) -o $@ $< libtern.a \
		$(TERN_LDFLAGS) $(PKG_LIBS)

fts-bench: tests/bench/fts_bench
	./tests/bench/fts_bench $(FTS_BENCH_ARGS)

.PHONY: fts-bench

# How long each pathological message of issue 7 takes to render, and its
# peak memory (a report, also in make bench: make hostile-bench).
tests/bench/hostile_bench: tests/bench/hostile_bench.c libtern.a $(HDR)
	$(CC) $(TERN_CPPFLAGS) $(TERN_CFLAGS) -o $@ $< libtern.a \
		$(TERN_LDFLAGS) $(PKG_LIBS)

hostile-bench: tests/bench/hostile_bench
	./tests/bench/hostile_bench

.PHONY: hostile-bench

# ---- Sanitizers, valgrind and fuzzing (issue 7; SECURITY.md) ----------
# A second build of tern, libtern.a, the unit tests and the itest_*
# programs with AddressSanitizer + UndefinedBehaviorSanitizer lives in
# $(SAN_DIR)/ (objects never mix with the normal build's).  san-run runs
# the unit suite and the integration suite against it; any sanitizer
# report aborts the program, which tests/run counts as a failure.
# tests/run --build makes $(SAN_DIR)/srcdir, the integration scripts'
# TERN_SRCDIR: symbolic links to the source tree, except tests/itest_*
# and tern, which are the sanitized programs.
SAN_LIB_OBJ = $(LIB_SRC:%.c=$(SAN_DIR)/%.o)
SAN_CMD_OBJ = $(CMD_OBJ:%=$(SAN_DIR)/%)
SAN_UNIT_BIN = $(UNIT_BIN:%=$(SAN_DIR)/%)
SAN_ITEST_BIN = $(ITEST_BIN:%=$(SAN_DIR)/%)

$(SAN_DIR)/%.o: %.c $(HDR) config.mk
	@mkdir -p $(@D)
	$(SAN_CC) $(TERN_CPPFLAGS) $(SAN_CFLAGS) -c $< -o $@

$(SAN_DIR)/libtern.a: $(SAN_LIB_OBJ)
	rm -f $@
	ar rcs $@ $(SAN_LIB_OBJ)

$(SAN_DIR)/tern: $(SAN_CMD_OBJ) $(SAN_DIR)/libtern.a
	$(SAN_CC) $(SAN_CFLAGS) -o $@ $(SAN_CMD_OBJ) $(SAN_DIR)/libtern.a \
		$(TERN_LDFLAGS) $(PKG_LIBS)

$(SAN_DIR)/tests/check_%: tests/check_%.c tests/check_main.h tests/check_peer.h $(SAN_DIR)/libtern.a $(HDR)
	@mkdir -p $(@D)
	$(SAN_CC) $(TERN_CPPFLAGS) $(SAN_CFLAGS) $(CHECK_CFLAGS) -o $@ $< \
		$(SAN_DIR)/libtern.a $(TERN_LDFLAGS) $(PKG_LIBS) $(CHECK_LIBS)

$(SAN_DIR)/tests/itest_%: tests/itest_%.c $(SAN_DIR)/libtern.a $(HDR)
	@mkdir -p $(@D)
	$(SAN_CC) $(TERN_CPPFLAGS) $(SAN_CFLAGS) -o $@ $< $(SAN_DIR)/libtern.a \
		$(TERN_LDFLAGS) $(PKG_LIBS)

san-bins: $(SAN_DIR)/tern $(SAN_UNIT_BIN) $(SAN_ITEST_BIN)

san-run: san-bins
	env ASAN_OPTIONS='$(SAN_ASAN_OPTIONS)' UBSAN_OPTIONS='$(SAN_UBSAN_OPTIONS)' \
	    LSAN_OPTIONS='$(SAN_LSAN_OPTIONS)' \
	    sh tests/run --build $(SAN_DIR) $(SAN_UNIT_BIN)

# ASan + UBSan build only, unit tests only (quick).
check-san: san-bins
	env ASAN_OPTIONS='$(SAN_ASAN_OPTIONS)' UBSAN_OPTIONS='$(SAN_UBSAN_OPTIONS)' \
	    LSAN_OPTIONS='$(SAN_LSAN_OPTIONS)' \
	    sh tests/run --unit-only --build $(SAN_DIR) $(SAN_UNIT_BIN)

# The unit suite under valgrind memcheck: zero errors, zero definite
# leaks (CK_FORK=no keeps every test in the process valgrind watches).
valgrind: $(UNIT_BIN)
	TERN_VALGRIND='$(VALGRIND)' sh tests/run --unit-only $(UNIT_BIN)

# libFuzzer targets (tests/fuzz/fuzz_NAME.c, clang): make fuzz builds
# them; fuzz-run runs each FUZZ_SHORT seconds on tests/fuzz/corpus/NAME
# (part of make check); fuzz-long runs each FUZZ_SECONDS seconds.
# TODO(issue 7): add the mailto parser target (fuzz_mailto.c) once its
# parser lands; FUZZ_SRC picks it up by name.
FUZZ_SRC = $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN = $(FUZZ_SRC:tests/fuzz/%.c=$(FUZZ_DIR)/%)
FUZZ_LIB_OBJ = $(LIB_SRC:%.c=$(FUZZ_DIR)/%.o)

$(FUZZ_DIR)/%.o: %.c $(HDR) config.mk
	@mkdir -p $(@D)
	$(FUZZ_CC) $(TERN_CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(FUZZ_DIR)/libtern.a: $(FUZZ_LIB_OBJ)
	rm -f $@
	ar rcs $@ $(FUZZ_LIB_OBJ)

$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(FUZZ_DIR)/libtern.a $(HDR)
	$(FUZZ_CC) $(TERN_CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< \
		$(FUZZ_DIR)/libtern.a $(TERN_LDFLAGS) $(PKG_LIBS)

fuzz: $(FUZZ_BIN)

fuzz-run: fuzz
	FUZZ_SEED=1 sh tests/fuzz/run $(FUZZ_SHORT) $(FUZZ_BIN)

fuzz-long: fuzz
	sh tests/fuzz/run $(FUZZ_SECONDS) $(FUZZ_BIN)

.PHONY: san-bins san-run check-san valgrind fuzz fuzz-run fuzz-long
