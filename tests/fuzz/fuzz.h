/*
 * tests/fuzz/fuzz.h - what the libFuzzer targets (tests/fuzz/fuzz_*.c,
 * make fuzz) share: a check that fails loudly, a test for text that is
 * safe to print, and a scripted server byte stream for libetpan (a
 * mailstream_low driver that serves the fuzz input in short reads and
 * then EOF).  Single-threaded: each target's one thread runs it all.
 */
#ifndef TERN_FUZZ_H
#define TERN_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libetpan/libetpan.h>

#include "core.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* A property tern promises was broken: a crash libFuzzer records. */
#define FUZZ_ASSERT(cond, ...) do {					\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: assertion failed: %s: ",	\
		    __FILE__, __LINE__, #cond);				\
		fprintf(stderr, __VA_ARGS__);				\
		fputc('\n', stderr);					\
		abort();						\
	}								\
} while (0)

/*
 * 1 if s (len bytes) is what sanitize_for_display() promises: valid
 * UTF-8 without C0 (but TAB, and LF when multiline), DEL, C1, or the
 * bidi and zero-width controls; with single_line, no TAB either.
 */
static inline int
fuzz_printable(const char *s, size_t len, int multiline, int tab_ok)
{
	const unsigned char	*u = (const unsigned char *)s;
	size_t			 i = 0, n;
	unsigned int		 cp;

	while (i < len) {
		n = utf8_decode(u + i, len - i, &cp);
		if (n == 0)
			return 0;
		if (cp < 0x20 && !(cp == '\t' && tab_ok) &&
		    !(cp == '\n' && multiline))
			return 0;
		if (cp == 0x7F || (cp >= 0x80 && cp <= 0x9F))
			return 0;
		if (cp == 0x061C || cp == 0x200B || cp == 0x200C ||
		    cp == 0x200D || cp == 0x200E || cp == 0x200F ||
		    (cp >= 0x202A && cp <= 0x202E) ||
		    (cp >= 0x2066 && cp <= 0x2069) || cp == 0xFEFF ||
		    cp == 0x00AD)
			return 0;
		i += n;
	}
	return 1;
}

/* ---- a scripted server: the fuzz input as the bytes a peer sends ---- */

struct fuzz_peer {
	const uint8_t	*p;
	size_t		 len, pos;
	uint8_t		 chunks[8];	/* read sizes, in turn; 0: as asked */
	unsigned	 turn;
	/* Zeroed: tern's TLS helpers read "no TLS" here (tls_get_info). */
	_Alignas(max_align_t) char zero[4096];
};

static struct fuzz_peer fuzz_peer_state;

static ssize_t
fuzz_peer_read(mailstream_low *s, void *buf, size_t count)
{
	struct fuzz_peer	*f = &fuzz_peer_state;
	size_t			 n = count, c;

	(void)s;
	if (f->pos >= f->len)
		return -1;		/* EOF, as tls_read() reports it */
	c = f->chunks[f->turn++ % 8];
	if (c != 0 && c < n)
		n = c;
	if (n > f->len - f->pos)
		n = f->len - f->pos;
	memcpy(buf, f->p + f->pos, n);
	f->pos += n;
	return (ssize_t)n;
}

static ssize_t
fuzz_peer_write(mailstream_low *s, const void *buf, size_t count)
{
	(void)s;
	(void)buf;
	return (ssize_t)count;
}

static int
fuzz_peer_close(mailstream_low *s)
{
	(void)s;
	return 0;
}

static int
fuzz_peer_get_fd(mailstream_low *s)
{
	(void)s;
	return -1;
}

static void
fuzz_peer_free(mailstream_low *s)
{
	free(s);
}

static void
fuzz_peer_cancel(mailstream_low *s)
{
	(void)s;
}

static mailstream_low_driver fuzz_peer_driver = {
	.mailstream_read = fuzz_peer_read,
	.mailstream_write = fuzz_peer_write,
	.mailstream_close = fuzz_peer_close,
	.mailstream_get_fd = fuzz_peer_get_fd,
	.mailstream_free = fuzz_peer_free,
	.mailstream_cancel = fuzz_peer_cancel,
};

/*
 * A stream whose peer sends data[0..size): the first 4 bytes choose
 * the read sizes (each 1..63 bytes, or 0: whatever is asked), so short
 * reads fall at every offset; after the last byte, EOF.  The stream
 * owns its low driver; mailstream_close() frees both.
 */
static inline mailstream *
fuzz_peer_stream(const uint8_t *data, size_t size)
{
	struct fuzz_peer	*f = &fuzz_peer_state;
	mailstream_low		*low;
	size_t			 i;

	memset(f, 0, sizeof *f);
	for (i = 0; i < 4 && i < size; i++) {
		f->chunks[2 * i] = data[i] & 63;
		f->chunks[2 * i + 1] = data[i] >> 6;
	}
	f->p = data + (size < 4 ? size : 4);
	f->len = size < 4 ? 0 : size - 4;
	/* low->data is what tls.c's helpers look at: all zeros, no TLS. */
	low = mailstream_low_new(f->zero, &fuzz_peer_driver);
	if (low == NULL)
		abort();
	return mailstream_new(low, 8192);
}

#endif
