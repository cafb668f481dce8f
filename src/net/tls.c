/*
 * tls.c - tern's own libetpan stream driver: TCP with timeouts, and TLS
 * through OpenSSL with real verification (Debian's libetpan uses GnuTLS
 * and checks nothing; LIBETPAN.md section 2).  Run by whichever thread
 * owns the session; only cancel and interrupt_idle cross threads.
 *
 * The driver starts in plain mode (ssl == NULL) so that STARTTLS is an
 * in-place upgrade of the same object: cancel, timeout and EOF behave
 * the same before and after it.  read() never returns 0 (that makes
 * libetpan 1.9.4 spin on a literal): EOF, timeout and error are all -1.
 *
 * On an IMAP connection (tls_set_imap_guard()) every chunk read passes
 * through imap_guard.c before anyone sees it: libetpan's parser
 * recurses without bound and trusts literal lengths, so a refused
 * chunk is never delivered; read() returns -1 from then on, as after
 * EOF, and tls_guard_error() says why.
 */
#include <sys/socket.h>
#include <sys/types.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "net.h"

#define TLS_TRACE_MAX	300	/* bytes of one chunk worth a trace line */
#define TLS_READ_BUFFER	(64 * 1024)	/* OpenSSL's read-ahead buffer */

struct tls_conn {
	int		 fd;
	SSL		*ssl;
	int		 timeout_ms;
	int		 cancel_pipe[2];	/* cancel: sticky, from any thread */
	int		 wake_pipe[2];		/* interrupt_idle */
	volatile int	 cancelled;
	char		*host;
	char		*ca_file;
	char		*pin;
	char		*trusted;		/* the user's pin (trust.c) */
	struct tls_refusal *refusal;		/* borrowed, may be NULL */
	long		 verify_error;		/* first chain/host error */
	X509		*leaf;			/* the server's, once seen */
	struct tls_info	 info;
	struct imap_guard *guard;		/* IMAP only; NULL: none */
};

/* One SSL_CTX per trust configuration, shared by every thread. */
struct tls_ctx_entry {
	char		*ca_file;		/* NULL: system store only */
	SSL_CTX		*ctx;
};
static pthread_mutex_t		 tls_ctx_lock = PTHREAD_MUTEX_INITIALIZER;
static struct tls_ctx_entry	*tls_ctxs;
static size_t			 tls_nctxs;
static int			 tls_conn_index = -1;

void
tls_init(void)
{
	signal(SIGPIPE, SIG_IGN);	/* OpenSSL's BIO writes without MSG_NOSIGNAL */
	OPENSSL_init_ssl(0, NULL);
	tls_conn_index = SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL);
}

static SSL_CTX *
tls_ctx_get(const char *ca_file, char **errp)
{
	SSL_CTX	*ctx;
	size_t	 i;

	pthread_mutex_lock(&tls_ctx_lock);
	for (i = 0; i < tls_nctxs; i++) {
		if ((ca_file == NULL && tls_ctxs[i].ca_file == NULL) ||
		    (ca_file != NULL && tls_ctxs[i].ca_file != NULL &&
		    strcmp(ca_file, tls_ctxs[i].ca_file) == 0)) {
			ctx = tls_ctxs[i].ctx;
			pthread_mutex_unlock(&tls_ctx_lock);
			return ctx;
		}
	}
	ctx = SSL_CTX_new(TLS_client_method());
	if (ctx == NULL)
		goto fail;
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
	    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	/*
	 * The system store as a hashed directory: certificates are read
	 * when a chain needs them, not the whole bundle (about 150 of
	 * them, 20-30 ms) in every process.
	 */
	if (SSL_CTX_set_default_verify_dir(ctx) != 1)
		goto fail;
	if (ca_file != NULL && SSL_CTX_load_verify_locations(ctx, ca_file,
	    NULL) != 1) {
		seterr(errp, "cannot load ca_file %s", ca_file);
		SSL_CTX_free(ctx);
		pthread_mutex_unlock(&tls_ctx_lock);
		return NULL;
	}
	tls_ctxs = xrealloc(tls_ctxs, (tls_nctxs + 1) * sizeof *tls_ctxs);
	tls_ctxs[tls_nctxs].ca_file = ca_file ? xstrdup(ca_file) : NULL;
	tls_ctxs[tls_nctxs].ctx = ctx;
	tls_nctxs++;
	pthread_mutex_unlock(&tls_ctx_lock);
	return ctx;
fail:
	seterr(errp, "cannot set up TLS: %s",
	    ERR_reason_error_string(ERR_get_error()));
	SSL_CTX_free(ctx);
	pthread_mutex_unlock(&tls_ctx_lock);
	return NULL;
}

static void
drain(int fd)
{
	char	buf[64];

	while (read(fd, buf, sizeof buf) > 0)
		;
}

/*
 * Waits until fd is ready for events, the connection is cancelled, or
 * the inactivity timeout passes.  0 when ready, -1 otherwise.
 */
static int
tls_wait_io(struct tls_conn *t, short events)
{
	struct pollfd	pfd[2];
	int		n;

	for (;;) {
		if (t->cancelled)
			return -1;
		pfd[0].fd = t->fd;
		pfd[0].events = events;
		pfd[1].fd = t->cancel_pipe[0];
		pfd[1].events = POLLIN;
		n = poll(pfd, 2, t->timeout_ms);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				log_msg(LOG_DEBUG, "%s: timed out", t->host);
			return -1;
		}
		if (pfd[1].revents != 0)
			return -1;
		return 0;
	}
}

static ssize_t	tls_read_raw(struct tls_conn *, void *, size_t);

static ssize_t
tls_read(mailstream_low *s, void *buf, size_t count)
{
	struct tls_conn	*t = s->data;
	ssize_t		 r;

	if (t->guard != NULL && imap_guard_error(t->guard) != NULL)
		return -1;
	r = tls_read_raw(t, buf, count);
	if (r > 0 && t->guard != NULL &&
	    imap_guard_feed(t->guard, buf, (size_t)r) == -1) {
		log_msg(LOG_WARN, "%s: %s; connection dropped", t->host,
		    imap_guard_error(t->guard));
		return -1;
	}
	return r;
}

static ssize_t
tls_read_raw(struct tls_conn *t, void *buf, size_t count)
{
	size_t		 n;
	ssize_t		 r;
	int		 ret;

	for (;;) {
		if (t->cancelled || t->fd == -1)
			return -1;
		if (t->ssl == NULL) {
			r = recv(t->fd, buf, count, 0);
			if (r > 0)
				return r;
			if (r == 0)
				return -1;	/* EOF: never 0, see above */
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				return -1;
			if (tls_wait_io(t, POLLIN) == -1)
				return -1;
			continue;
		}
		ret = SSL_read_ex(t->ssl, buf, count, &n);
		if (ret == 1)
			return (ssize_t)n;
		switch (SSL_get_error(t->ssl, ret)) {
		case SSL_ERROR_WANT_READ:
			if (tls_wait_io(t, POLLIN) == -1)
				return -1;
			continue;
		case SSL_ERROR_WANT_WRITE:
			if (tls_wait_io(t, POLLOUT) == -1)
				return -1;
			continue;
		default:
			ERR_clear_error();
			return -1;
		}
	}
}

static ssize_t
tls_write(mailstream_low *s, const void *buf, size_t count)
{
	struct tls_conn	*t = s->data;
	size_t		 n;
	ssize_t		 r;
	int		 ret;

	for (;;) {
		if (t->cancelled || t->fd == -1)
			return -1;
		if (t->ssl == NULL) {
			r = send(t->fd, buf, count, MSG_NOSIGNAL);
			if (r >= 0)
				return r;
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				return -1;
			if (tls_wait_io(t, POLLOUT) == -1)
				return -1;
			continue;
		}
		ret = SSL_write_ex(t->ssl, buf, count, &n);
		if (ret == 1)
			return (ssize_t)n;
		switch (SSL_get_error(t->ssl, ret)) {
		case SSL_ERROR_WANT_READ:
			if (tls_wait_io(t, POLLIN) == -1)
				return -1;
			continue;
		case SSL_ERROR_WANT_WRITE:
			if (tls_wait_io(t, POLLOUT) == -1)
				return -1;
			continue;
		default:
			ERR_clear_error();
			return -1;
		}
	}
}

static int
tls_close(mailstream_low *s)
{
	struct tls_conn	*t = s->data;

	if (t->ssl != NULL && !t->cancelled)
		SSL_shutdown(t->ssl);	/* best effort, non-blocking */
	if (t->fd != -1)
		close(t->fd);
	t->fd = -1;
	return 0;
}

static int
tls_get_fd(mailstream_low *s)
{
	return ((struct tls_conn *)s->data)->fd;
}

static void
tls_conn_free(struct tls_conn *t)
{
	int	i;

	SSL_free(t->ssl);
	for (i = 0; i < 2; i++) {
		if (t->cancel_pipe[i] != -1)
			close(t->cancel_pipe[i]);
		if (t->wake_pipe[i] != -1)
			close(t->wake_pipe[i]);
	}
	free(t->host);
	free(t->ca_file);
	free(t->pin);
	free(t->trusted);
	X509_free(t->leaf);
	free(t->info.subject);
	free(t->info.issuer);
	free(t->info.spki_pin);
	imap_guard_free(t->guard);
	free(t);
}

static void
tls_free(mailstream_low *s)
{
	/* The fd is not closed here: libetpan calls close() for that. */
	tls_conn_free(s->data);
	free(s);
}

static void
tls_cancel(mailstream_low *s)
{
	struct tls_conn	*t = s->data;
	char		 c = 'c';

	t->cancelled = 1;
	(void)!write(t->cancel_pipe[1], &c, 1);
}

static struct mailstream_cancel *
tls_get_cancel(mailstream_low *s)
{
	(void)s;
	return NULL;
}

static carray *
tls_get_certificate_chain(mailstream_low *s)
{
	(void)s;
	return NULL;
}

static int
tls_setup_idle(mailstream_low *s)
{
	drain(((struct tls_conn *)s->data)->wake_pipe[0]);
	return 0;
}

static int
tls_unsetup_idle(mailstream_low *s)
{
	(void)s;
	return 0;
}

static int
tls_interrupt_idle(mailstream_low *s)
{
	struct tls_conn	*t = s->data;
	char		 c = 'w';

	return write(t->wake_pipe[1], &c, 1) == 1 ? 0 : -1;
}

static mailstream_low_driver tls_driver = {
	.mailstream_read = tls_read,
	.mailstream_write = tls_write,
	.mailstream_close = tls_close,
	.mailstream_get_fd = tls_get_fd,
	.mailstream_free = tls_free,
	.mailstream_cancel = tls_cancel,
	.mailstream_get_cancel = tls_get_cancel,
	.mailstream_get_certificate_chain = tls_get_certificate_chain,
	.mailstream_setup_idle = tls_setup_idle,
	.mailstream_unsetup_idle = tls_unsetup_idle,
	.mailstream_interrupt_idle = tls_interrupt_idle,
};

/* Non-blocking connect to one address, bounded by timeout_ms. */
static int
connect_one(const struct addrinfo *ai, int timeout_ms, int *errnop)
{
	struct pollfd	pfd;
	socklen_t	len;
	int		fd, err = 0, on = 1, n;

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
	    ai->ai_protocol);
	if (fd == -1) {
		*errnop = errno;
		return -1;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
		return fd;
	if (errno != EINPROGRESS) {
		*errnop = errno;
		close(fd);
		return -1;
	}
	pfd.fd = fd;
	pfd.events = POLLOUT;
	do
		n = poll(&pfd, 1, timeout_ms);
	while (n == -1 && errno == EINTR);
	if (n == 0) {
		*errnop = ETIMEDOUT;
		close(fd);
		return -1;
	}
	len = sizeof err;
	if (n == -1 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1 ||
	    err != 0) {
		*errnop = n == -1 ? errno : err;
		close(fd);
		return -1;
	}
	return fd;
}

mailstream_low *
tls_connect(const struct tls_params *p, char **errp)
{
	struct addrinfo	 hints, *res, *ai;
	struct tls_conn	*t;
	mailstream_low	*low;
	char		 port[16];
	int		 fd = -1, err = 0, r;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	snprintf(port, sizeof port, "%d", p->port);
	r = getaddrinfo(p->host, port, &hints, &res);
	if (r != 0) {
		seterr(errp, "cannot resolve %s: %s", p->host, gai_strerror(r));
		return NULL;
	}
	for (ai = res; ai != NULL && fd == -1; ai = ai->ai_next)
		fd = connect_one(ai, p->timeout * 1000, &err);
	freeaddrinfo(res);
	if (fd == -1) {
		seterr(errp, "cannot connect to %s port %d: %s", p->host,
		    p->port, err == ETIMEDOUT ? "timed out" : strerror(err));
		return NULL;
	}

	t = xcalloc(1, sizeof *t);
	t->fd = fd;
	t->timeout_ms = p->timeout * 1000;
	t->host = xstrdup(p->host);
	t->ca_file = p->ca_file ? xstrdup(p->ca_file) : NULL;
	t->pin = p->pin ? xstrdup(p->pin) : NULL;
	t->trusted = p->trusted && !p->pin ? xstrdup(p->trusted) : NULL;
	t->refusal = p->refusal;
	t->cancel_pipe[0] = t->cancel_pipe[1] = -1;
	t->wake_pipe[0] = t->wake_pipe[1] = -1;
	if (pipe_nonblock(t->cancel_pipe) == -1 ||
	    pipe_nonblock(t->wake_pipe) == -1) {
		seterr(errp, "pipe: %s", strerror(errno));
		close(fd);
		tls_conn_free(t);
		return NULL;
	}
	if ((low = mailstream_low_new(t, &tls_driver)) == NULL) {
		seterr(errp, "out of memory");
		close(fd);
		tls_conn_free(t);
		return NULL;
	}
	low->timeout = (unsigned long)p->timeout;
	return low;
}

/* Records the first verification error; pinned connections go on. */
static int
tls_verify_cb(int ok, X509_STORE_CTX *sctx)
{
	SSL		*ssl;
	struct tls_conn	*t;

	ssl = X509_STORE_CTX_get_ex_data(sctx,
	    SSL_get_ex_data_X509_STORE_CTX_idx());
	t = ssl != NULL ? SSL_get_ex_data(ssl, tls_conn_index) : NULL;
	if (t == NULL)
		return ok;
	if (!ok && t->verify_error == X509_V_OK)
		t->verify_error = X509_STORE_CTX_get_error(sctx);
	/* Kept to say what was refused (or to check a trusted one's name). */
	if (t->leaf == NULL && X509_STORE_CTX_get0_cert(sctx) != NULL &&
	    X509_up_ref(X509_STORE_CTX_get0_cert(sctx)) == 1)
		t->leaf = X509_STORE_CTX_get0_cert(sctx);
	/* With a pin the key decides, after the handshake. */
	return t->pin != NULL || t->trusted != NULL ? 1 : ok;
}

/* 1 if the certificate names host (a DNS name or an IP address). */
static int
tls_name_ok(X509 *cert, const char *host)
{
	struct in6_addr	 addr6;
	struct in_addr	 addr4;

	if (inet_pton(AF_INET, host, &addr4) == 1 ||
	    inet_pton(AF_INET6, host, &addr6) == 1)
		return X509_check_ip_asc(cert, host, 0) == 1;
	return X509_check_host(cert, host, 0,
	    X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS, NULL) == 1;
}

/*
 * The chain errors a user may overrule for one account: no CA vouches
 * for the certificate, or its dates are off.  A wrong name, a bad
 * signature or a wrong purpose never are.
 */
static int
tls_error_askable(long err)
{
	switch (err) {
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
	case X509_V_ERR_CERT_UNTRUSTED:
	case X509_V_ERR_CERT_HAS_EXPIRED:
	case X509_V_ERR_CERT_NOT_YET_VALID:
		return 1;
	default:
		return 0;
	}
}

static char *
tls_date(const ASN1_TIME *at)
{
	struct tm	tm;
	char		buf[32];

	memset(&tm, 0, sizeof tm);
	if (at == NULL || ASN1_TIME_to_tm(at, &tm) != 1)
		return xstrdup("?");
	strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
	return xstrdup(buf);
}

void
tls_refusal_clear(struct tls_refusal *r)
{
	if (r == NULL)
		return;
	free(r->subject);
	free(r->issuer);
	free(r->not_before);
	free(r->not_after);
	free(r->error);
	free(r->spki_pin);
	memset(r, 0, sizeof *r);
}

static char *
spki_pin(X509 *cert)
{
	unsigned char	*der = NULL, md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen = 0;
	char		*b64, *pin;
	int		 len;

	len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert), &der);
	if (len <= 0)
		return NULL;
	EVP_Digest(der, (size_t)len, md, &mdlen, EVP_sha256(), NULL);
	OPENSSL_free(der);
	b64 = base64_encode(md, mdlen);
	pin = xasprintf("sha256:%s", b64);
	free(b64);
	return pin;
}

static char *
name_line(const X509_NAME *name)
{
	BIO	*bio = BIO_new(BIO_s_mem());
	char	*p, *s;
	long	 n;

	X509_NAME_print_ex(bio, name, 0, XN_FLAG_ONELINE & ~ASN1_STRFLGS_ESC_MSB);
	n = BIO_get_mem_data(bio, &p);
	s = xstrndup(p, n > 0 ? (size_t)n : 0);
	BIO_free(bio);
	return s;
}

/* Fills the caller's refusal from the certificate just refused. */
static void
tls_refuse(struct tls_conn *t)
{
	struct tls_refusal	*r = t->refusal;
	long			 err = t->verify_error;

	if (r == NULL || t->leaf == NULL)
		return;
	tls_refusal_clear(r);
	if (err == X509_V_OK)
		err = X509_V_ERR_CERT_UNTRUSTED;
	r->subject = name_line(X509_get_subject_name(t->leaf));
	r->issuer = name_line(X509_get_issuer_name(t->leaf));
	r->not_before = tls_date(X509_get0_notBefore(t->leaf));
	r->not_after = tls_date(X509_get0_notAfter(t->leaf));
	r->error = xstrdup(X509_verify_cert_error_string(err));
	r->spki_pin = spki_pin(t->leaf);
	r->askable = t->pin == NULL && r->spki_pin != NULL &&
	    tls_error_askable(err) && tls_name_ok(t->leaf, t->host);
}

int
tls_start(mailstream_low *low, char **errp)
{
	struct tls_conn	*t = low->data;
	struct in6_addr	 addr6;
	struct in_addr	 addr4;
	SSL_CTX		*ctx;
	X509		*cert;
	int		 r, is_ip;
	unsigned long	 e;

	tls_refusal_clear(t->refusal);
	if ((ctx = tls_ctx_get(t->ca_file, errp)) == NULL)
		return -1;
	if ((t->ssl = SSL_new(ctx)) == NULL) {
		seterr(errp, "SSL_new failed");
		return -1;
	}
	SSL_set_ex_data(t->ssl, tls_conn_index, t);
	SSL_set_verify(t->ssl, SSL_VERIFY_PEER, tls_verify_cb);
	t->verify_error = X509_V_OK;
	is_ip = inet_pton(AF_INET, t->host, &addr4) == 1 ||
	    inet_pton(AF_INET6, t->host, &addr6) == 1;
	if (is_ip) {
		/* An address is checked against the IP SANs; no SNI. */
		X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(t->ssl), t->host);
	} else {
		SSL_set_tlsext_host_name(t->ssl, t->host);
		SSL_set_hostflags(t->ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
		SSL_set1_host(t->ssl, t->host);
	}
	SSL_set_fd(t->ssl, t->fd);
	/*
	 * Read ahead: one recv() takes what has arrived (several records)
	 * instead of a header and a body per record; a header sync reads
	 * 60 MB.  tls_buffered() then looks past SSL_pending().
	 */
	SSL_set_read_ahead(t->ssl, 1);
	SSL_set_default_read_buffer_len(t->ssl, TLS_READ_BUFFER);
	for (;;) {
		r = SSL_connect(t->ssl);
		if (r == 1)
			break;
		switch (SSL_get_error(t->ssl, r)) {
		case SSL_ERROR_WANT_READ:
			if (tls_wait_io(t, POLLIN) == 0)
				continue;
			seterr(errp, "TLS handshake with %s timed out", t->host);
			goto fail;
		case SSL_ERROR_WANT_WRITE:
			if (tls_wait_io(t, POLLOUT) == 0)
				continue;
			seterr(errp, "TLS handshake with %s timed out", t->host);
			goto fail;
		default:
			if (t->verify_error != X509_V_OK) {
				seterr(errp, "certificate of %s not trusted: %s",
				    t->host, X509_verify_cert_error_string(
				    t->verify_error));
				tls_refuse(t);
			}
			else if ((e = ERR_peek_error()) != 0)
				seterr(errp, "TLS handshake with %s failed: %s",
				    t->host, ERR_reason_error_string(e));
			else
				seterr(errp, "TLS handshake with %s failed: "
				    "connection closed", t->host);
			goto fail;
		}
	}

	cert = SSL_get1_peer_certificate(t->ssl);
	if (cert == NULL) {
		seterr(errp, "%s sent no certificate", t->host);
		goto fail;
	}
	t->info.subject = name_line(X509_get_subject_name(cert));
	t->info.issuer = name_line(X509_get_issuer_name(cert));
	t->info.spki_pin = spki_pin(cert);
	X509_free(cert);
	t->info.verified = t->verify_error == X509_V_OK &&
	    SSL_get_verify_result(t->ssl) == X509_V_OK;
	if (t->pin == NULL && t->trusted != NULL && !t->info.verified) {
		/* The user's pin stands in for the chain, not for the name. */
		if (t->leaf == NULL || !tls_name_ok(t->leaf, t->host)) {
			seterr(errp, "certificate of %s not trusted: %s",
			    t->host, X509_verify_cert_error_string(
			    X509_V_ERR_HOSTNAME_MISMATCH));
			goto fail;
		}
		if (t->info.spki_pin == NULL ||
		    strcmp(t->trusted, t->info.spki_pin) != 0) {
			/* Another key than the one trusted: ask afresh. */
			seterr(errp, "certificate of %s not trusted: %s "
			    "(and its key is not the one trusted before)",
			    t->host, X509_verify_cert_error_string(
			    t->verify_error != X509_V_OK ? t->verify_error :
			    X509_V_ERR_CERT_UNTRUSTED));
			tls_refuse(t);
			goto fail;
		}
		t->info.pinned = t->info.trusted = 1;
	} else if (t->pin != NULL) {
		if (t->info.spki_pin == NULL ||
		    strcmp(t->pin, t->info.spki_pin) != 0) {
			seterr(errp, "certificate of %s does not match tls_pin "
			    "(server key is %s)", t->host,
			    t->info.spki_pin ? t->info.spki_pin : "unknown");
			goto fail;
		}
		t->info.pinned = 1;
	} else if (!t->info.verified) {
		/* Unreachable: the verify callback already failed it. */
		seterr(errp, "certificate of %s not trusted", t->host);
		goto fail;
	}
	snprintf(t->info.version, sizeof t->info.version, "%s",
	    SSL_get_version(t->ssl));
	snprintf(t->info.cipher, sizeof t->info.cipher, "%s",
	    SSL_get_cipher_name(t->ssl));
	t->info.active = 1;
	return 0;
fail:
	ERR_clear_error();
	/* Leave nothing usable behind: the caller must drop this stream. */
	SSL_free(t->ssl);
	t->ssl = NULL;
	if (t->fd != -1)
		shutdown(t->fd, SHUT_RDWR);
	t->cancelled = 1;
	return -1;
}

void
tls_trace(const char *label, int type, const char *str, size_t size)
{
	if (size > TLS_TRACE_MAX)
		size = TLS_TRACE_MAX;
	switch (type) {
	case MAILSTREAM_LOG_TYPE_DATA_SENT:
		log_traffic(label, "C:", str, size);
		break;
	case MAILSTREAM_LOG_TYPE_DATA_SENT_PRIVATE:
		/* libetpan marks what was sent with privacy off: secrets. */
		log_traffic(label, "C:", "<credentials not logged>", 24);
		break;
	case MAILSTREAM_LOG_TYPE_DATA_RECEIVED:
		log_traffic(label, "S:", str, size);
		break;
	default:
		break;
	}
}

void
tls_set_imap_guard(mailstream_low *low)
{
	struct tls_conn	*t = low->data;

	if (low->driver == &tls_driver && t->guard == NULL)
		t->guard = imap_guard_new();
}

/* Any other driver (a test's, the fuzz targets') has no guard. */
const char *
tls_guard_error(mailstream_low *low)
{
	if (low == NULL || low->driver != &tls_driver)
		return NULL;
	return imap_guard_error(((struct tls_conn *)low->data)->guard);
}

const struct tls_info *
tls_get_info(mailstream_low *low)
{
	return &((struct tls_conn *)low->data)->info;
}

/*
 * 1 if OpenSSL holds application data.  With read ahead its buffer may
 * hold bytes that are none (a session ticket, half a record): a peek
 * (the socket is non-blocking) tells, so a wait does not end early.
 */
static int
tls_ssl_buffered(SSL *ssl)
{
	size_t	 n;
	char	 c;
	int	 r;

	if (SSL_pending(ssl) > 0)
		return 1;
	if (!SSL_has_pending(ssl))
		return 0;
	if ((r = SSL_peek_ex(ssl, &c, 1, &n)) == 1)
		return 1;
	r = SSL_get_error(ssl, r);
	ERR_clear_error();
	/* EOF or an error: the next read reports it. */
	return r != SSL_ERROR_WANT_READ && r != SSL_ERROR_WANT_WRITE;
}

int
tls_buffered(mailstream *s)
{
	struct tls_conn	*t = mailstream_get_low(s)->data;

	return s->read_buffer_len > 0 ||
	    (t->ssl != NULL && tls_ssl_buffered(t->ssl));
}

enum tls_wait_result
tls_wait(mailstream *s, int timeout_ms)
{
	struct tls_conn	*t = mailstream_get_low(s)->data;
	struct pollfd	 pfd[3];
	int		 n;

	if (t->cancelled)
		return TLS_WAIT_CANCELLED;
	if (tls_buffered(s))
		return TLS_WAIT_DATA;
	pfd[0].fd = t->fd;
	pfd[0].events = POLLIN;
	pfd[1].fd = t->wake_pipe[0];
	pfd[1].events = POLLIN;
	pfd[2].fd = t->cancel_pipe[0];
	pfd[2].events = POLLIN;
	do
		n = poll(pfd, 3, timeout_ms);
	while (n == -1 && errno == EINTR);
	if (n == -1)
		return TLS_WAIT_ERROR;
	if (n == 0)
		return TLS_WAIT_TIMEOUT;
	if (pfd[2].revents != 0)
		return TLS_WAIT_CANCELLED;
	if (pfd[1].revents != 0) {
		drain(t->wake_pipe[0]);
		return TLS_WAIT_INTERRUPTED;
	}
	return TLS_WAIT_DATA;
}
