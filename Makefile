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

tests/check_%: tests/check_%.c tests/check_main.h libtern.a $(HDR)
	$(CC) $(TERN_CPPFLAGS) $(TERN_CFLAGS) $(CHECK_CFLAGS) -o $@ $< \
		libtern.a $(TERN_LDFLAGS) $(PKG_LIBS) $(CHECK_LIBS)

tests/itest_%: tests/itest_%.c libtern.a $(HDR)
	$(CC) $(TERN_CPPFLAGS) $(TERN_CFLAGS) -o $@ $< libtern.a \
		$(TERN_LDFLAGS) $(PKG_LIBS)

unit: $(UNIT_BIN)

# Unit tests (Check) need nothing running; integration tests start
# their own Dovecot, Postfix and gnome-keyring on 127.0.0.1.
check: tern $(UNIT_BIN) $(ITEST_BIN)
	sh tests/run $(UNIT_BIN)

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
		tests/bench/fill tests/bench/thread_bench

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
# (a report, run by hand: make fts-bench; FTS_BENCH_ARGS="-n 20000"
# for a quick run).
tests/bench/fts_bench: tests/bench/fts_bench.c libtern.a $(HDR)
	$(CC) $(TERN_CPPFLAGS) $(TERN_CFLAGS) -o $@ $< libtern.a \
		$(TERN_LDFLAGS) $(PKG_LIBS)

fts-bench: tests/bench/fts_bench
	./tests/bench/fts_bench $(FTS_BENCH_ARGS)

.PHONY: fts-bench
