/*
 * fuzz_attach_name.c - libFuzzer target (make fuzz): RFC 2231 and
 * RFC 2047 decoding of attachment names (mime.c) into the file name
 * attach.c saves under (SECURITY.md "Files", tests 16).  The input is
 * the parameters of a part's Content-Disposition (first byte even) or
 * Content-Type (odd); every part's decoded name must become one safe
 * path component: not empty, ".", ".." or dot-led, no '/', '\\' or
 * control character, valid UTF-8, at most 255 bytes; and attach_save()
 * must create exactly that new file inside the directory.
 * Single-threaded.
 */
#include <sys/stat.h>

#include <unistd.h>

#include "mail.h"
#include "fuzz.h"

static char	*dir;

static void
check_name(const char *decoded)
{
	char	*safe, *path = NULL, *err = NULL;
	size_t	 n, dn;

	safe = attach_safe_name(decoded);
	n = strlen(safe);
	FUZZ_ASSERT(n > 0 && n <= 255, "length %zu", n);
	FUZZ_ASSERT(safe[0] != '.', "leading dot: %s", safe);
	FUZZ_ASSERT(strchr(safe, '/') == NULL && strchr(safe, '\\') == NULL,
	    "separator in %s", safe);
	FUZZ_ASSERT(fuzz_printable(safe, n, 0, 0), "unsafe bytes");
	if (attach_save(dir, decoded, "x", 1, &path, &err) == 0) {
		dn = strlen(dir);
		FUZZ_ASSERT(strncmp(path, dir, dn) == 0 && path[dn] == '/' &&
		    strchr(path + dn + 1, '/') == NULL, "saved as %s", path);
		FUZZ_ASSERT(strcmp(path + dn + 1, safe) == 0,
		    "saved as %s, not %s", path, safe);
		unlink(path);
		free(path);
	} else
		free(err);
	free(safe);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char	 head[] = "MIME-Version: 1.0\r\n"
	    "Content-Type: multipart/mixed; boundary=\"=b\"\r\n\r\n"
	    "--=b\r\n";
	static const char	 tail[] = "\r\n\r\nbody\r\n--=b--\r\n";
	struct mime		 m;
	char			*msg, *pre, *dec;
	size_t			 i, len;

	if (dir == NULL) {
		char	 t[64];

		snprintf(t, sizeof t, "%s/tern-fuzz-XXXXXX",
		    access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");

		if (mkdtemp(t) == NULL)
			abort();
		dir = strdup(t);
	}
	if (size < 1)
		return 0;
	/* One part whose header carries the fuzzed parameters. */
	pre = xasprintf("%s%s", head, data[0] & 1 ?
	    "Content-Type: application/octet-stream; " :
	    "Content-Disposition: attachment; ");
	len = strlen(pre);
	msg = xmalloc(len + size - 1 + sizeof tail);
	memcpy(msg, pre, len);
	memcpy(msg + len, data + 1, size - 1);	/* NUL bytes and all */
	memcpy(msg + len + size - 1, tail, sizeof tail);
	len += size - 1 + sizeof tail - 1;
	free(pre);
	mime_parse(msg, len, &m);
	for (i = 0; i < m.nparts; i++)
		if (m.parts[i].filename != NULL)
			check_name(m.parts[i].filename);
	mime_free(&m);
	free(msg);
	/* The bytes as a bare RFC 2047 header text too. */
	dec = header_decode_text((const char *)data + 1, size - 1);
	check_name(dec);
	free(dec);
	return 0;
}
