# tern build configuration: every knob lives here (st style).

VERSION = 0.1.0

# paths
PREFIX = /usr/local
MANPREFIX = $(PREFIX)/share/man
DATADIR = $(PREFIX)/share/tern

PKG_CONFIG = pkg-config
PKGS = ncursesw openssl libsecret-1 sqlite3

# ncursesw's .pc asks for _XOPEN_SOURCE=600; tern wants POSIX.1-2008.
PKG_CFLAGS = $(filter-out -D_XOPEN_SOURCE=%,$(shell $(PKG_CONFIG) --cflags $(PKGS)))
# libetpan is linked by hand: Debian's libetpan.pc injects no-PIE specs
# (LIBETPAN.md section 1).
PKG_LIBS = $(shell $(PKG_CONFIG) --libs $(PKGS)) -letpan -lssl -lcrypto -lpthread

CHECK_CFLAGS = $(shell $(PKG_CONFIG) --cflags check)
CHECK_LIBS = $(shell $(PKG_CONFIG) --libs check)

# flags
WARN = -Wall -Wextra -Wshadow -Wmissing-prototypes
# Warnings are errors by default (CI relies on it); override with WERROR=
WERROR = -Werror
TERN_CPPFLAGS = -Iinclude -D_XOPEN_SOURCE=700 -D_DEFAULT_SOURCE \
	-DVERSION=\"$(VERSION)\" -DDATADIR=\"$(DATADIR)\" $(PKG_CFLAGS)
TERN_CFLAGS = -std=c11 -g -O2 $(WARN) $(WERROR) $(CPPFLAGS) $(CFLAGS)
TERN_LDFLAGS = $(LDFLAGS)

CC = cc

# Sanitizer, valgrind and fuzz builds (make check, make valgrind,
# make fuzz; issue 7).  Objects go to their own directories.
SAN_DIR = build-san
FUZZ_DIR = build-fuzz
SAN_CC = clang
FUZZ_CC = clang
SAN_CFLAGS = -std=c11 -g -O1 -fno-omit-frame-pointer \
	-fsanitize=address,undefined -fno-sanitize-recover=all \
	$(WARN) $(WERROR) $(CPPFLAGS) $(CFLAGS)
FUZZ_CFLAGS = $(SAN_CFLAGS)
# Any report stops the program with a non-zero status; leaks are
# reported (third-party frames only are suppressed: tests/lsan.supp).
SAN_ASAN_OPTIONS = halt_on_error=1:abort_on_error=1:detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1
SAN_UBSAN_OPTIONS = halt_on_error=1:abort_on_error=1:print_stacktrace=1
SAN_LSAN_OPTIONS = suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0
# Parallel jobs for make check's sanitizer and fuzz builds.
CHECK_JOBS = 2
# No --error-exitcode: a test's forked child would exit 99 on the parent's
# heap it inherited; tests/run reads each process's log instead.
VALGRIND = valgrind --leak-check=full \
	--errors-for-leak-kinds=definite --show-leak-kinds=definite \
	--suppressions=$(CURDIR)/tests/valgrind.supp
# Seconds each fuzz target runs in make check / make fuzz-long.
FUZZ_SHORT = 15
FUZZ_SECONDS = 600
