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
