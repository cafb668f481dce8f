/*
 * fuzz_message.c - libFuzzer target (make fuzz): a message file through
 * render_message(), the parse/decode/render path of the pager and
 * `tern show` (headers, MIME, charsets, transfer encodings, HTML by the
 * built-in stripper).  Asserts every line it gives the terminal is
 * sanitized: valid UTF-8, no control character (not even TAB: lines
 * come with tabs expanded), and that every URL it found is too.  The
 * first byte picks the pager mode (normal, all headers, raw source).
 * Single-threaded.
 */
#include "mail.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct render_opts	 o = { 0, 0, "" };	/* built-in HTML stripper */
	struct rendered		 r;
	size_t			 i, k;

	if (size < 1)
		return 0;
	o.full_headers = data[0] & 1;
	o.raw = (data[0] & 6) == 6;
	render_message((const char *)data + 1, size - 1, &o, &r);
	for (i = 0; i < r.nlines; i++) {
		FUZZ_ASSERT(r.lines[i].text != NULL, "line %zu", i);
		FUZZ_ASSERT(fuzz_printable(r.lines[i].text,
		    strlen(r.lines[i].text), 0, 0),
		    "line %zu holds a control character or bad UTF-8", i);
	}
	for (i = 0; i < r.nurls; i++)
		FUZZ_ASSERT(fuzz_printable(r.urls[i], strlen(r.urls[i]), 0, 0),
		    "url %zu unsafe", i);
	/* The parts list (v/s in the pager) stays inside the buffer. */
	for (k = 0; k < r.mime.nparts; k++) {
		const struct mime_part *p = &r.mime.parts[k];

		FUZZ_ASSERT(p->body_off <= size - 1 &&
		    p->body_len <= size - 1 - p->body_off, "part %zu", k);
		FUZZ_ASSERT(p->depth <= MIME_DEPTH_MAX, "part %zu depth", k);
	}
	FUZZ_ASSERT(r.mime.nparts <= MIME_PARTS_MAX + 1, "%zu parts",
	    r.mime.nparts);
	rendered_free(&r);
	return 0;
}
