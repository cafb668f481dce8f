/*
 * check_peer.h - a scripted server for the unit tests that need one on
 * the other end of a real socket (check_net.c, check_guard.c): a
 * thread of the test on 127.0.0.1 that sends a greeting, then one
 * reply after each line it reads, then keeps the connection open for
 * a while.  Set the replies (peer_reply()) before peer_start().  The
 * including file has <pthread.h>, the socket headers, check.h and
 * net.h.  peer_session() is an IMAP session with the peer (PREAUTH).
 */
#ifndef TERN_CHECK_PEER_H
#define TERN_CHECK_PEER_H

#define PEER_REPLIES	8

struct peer {
	int		 lfd;
	int		 port;
	const char	*greeting;
	char		*replies[PEER_REPLIES];	/* one per command line; owned */
	size_t		 lens[PEER_REPLIES];
	int		 hold;		/* seconds to keep the line open */
	char		 got[4096];	/* the command lines read, in order */
	size_t		 ngot;
	pthread_t	 thread;
};

static void
send_all(int fd, const char *p, size_t n)
{
	ssize_t	w;

	while (n > 0 && (w = send(fd, p, n, MSG_NOSIGNAL)) > 0) {
		p += w;
		n -= (size_t)w;
	}
}

static void *
peer_main(void *arg)
{
	struct peer	*p = arg;
	char		 ch;
	int		 fd, i;

	fd = accept(p->lfd, NULL, NULL);
	if (fd == -1)
		return NULL;
	if (p->greeting != NULL)
		send_all(fd, p->greeting, strlen(p->greeting));
	for (i = 0; i < PEER_REPLIES && p->replies[i] != NULL; i++) {
		do {
			if (read(fd, &ch, 1) != 1)
				goto out;
			if (p->ngot + 1 < sizeof p->got)
				p->got[p->ngot++] = ch;
		} while (ch != '\n');
		send_all(fd, p->replies[i], p->lens[i]);
	}
	if (p->hold > 0)
		sleep((unsigned)p->hold);
out:
	close(fd);
	return NULL;
}

static void
peer_reply(struct peer *p, int i, const char *s)
{
	p->replies[i] = xstrdup(s);
	p->lens[i] = strlen(s);
}

static void
peer_start(struct peer *p, const char *greeting, int hold)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof sin;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	p->lfd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ne(p->lfd, -1);
	ck_assert_int_eq(bind(p->lfd, (struct sockaddr *)&sin, sizeof sin), 0);
	ck_assert_int_eq(listen(p->lfd, 1), 0);
	getsockname(p->lfd, (struct sockaddr *)&sin, &len);
	p->port = ntohs(sin.sin_port);
	p->greeting = greeting;
	p->hold = hold;
	pthread_create(&p->thread, NULL, peer_main, p);
}

static void
peer_stop(struct peer *p)
{
	int	i;

	pthread_join(p->thread, NULL);
	close(p->lfd);
	for (i = 0; i < PEER_REPLIES; i++)
		free(p->replies[i]);
}

/* The account of the last peer_session(); tests may read it. */
static struct account	gacct;

static struct imap_conn *
peer_session(struct peer *p)
{
	struct imap_conn	*c;
	char			*err = NULL;

	memset(&gacct, 0, sizeof gacct);
	gacct.name = "t";
	gacct.imap.host = "127.0.0.1";
	gacct.imap.port = p->port;
	gacct.imap.tls = TLS_PLAIN;
	gacct.timeout = 10;
	c = imap_connect(&gacct, &err);
	ck_assert_msg(c != NULL, "connect: %s", err ? err : "?");
	ck_assert_int_eq(c->preauth, 1);
	return c;
}

#endif
