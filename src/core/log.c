/*
 * log.c - the log: one line per event, to a file or stderr.  Any thread
 * (a mutex keeps lines whole).  Every line passes the terminal
 * sanitizer, so server text can never drive the terminal of someone
 * reading the log.  Secrets never reach here: the network layer marks
 * them private and log_traffic() is never given them.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core.h"

static pthread_mutex_t	 log_lock = PTHREAD_MUTEX_INITIALIZER;
static FILE		*log_fp;	/* NULL: stderr */
static enum log_level	 log_level = LOG_WARN;

static const char *const log_names[] = {
	"error", "warn", "info", "debug", "trace"
};

int
log_open(const char *path, enum log_level level, char **errp)
{
	FILE	*fp = NULL;
	int	 fd;

	if (path != NULL) {
		fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		if (fd == -1 || (fp = fdopen(fd, "a")) == NULL) {
			seterr(errp, "%s: %s", path, strerror(errno));
			if (fd != -1)
				close(fd);
			return -1;
		}
	}
	pthread_mutex_lock(&log_lock);
	if (log_fp != NULL)
		fclose(log_fp);
	log_fp = fp;
	log_level = level;
	pthread_mutex_unlock(&log_lock);
	return 0;
}

void
log_close(void)
{
	pthread_mutex_lock(&log_lock);
	if (log_fp != NULL)
		fclose(log_fp);
	log_fp = NULL;
	pthread_mutex_unlock(&log_lock);
}

enum log_level
log_get_level(void)
{
	return log_level;
}

static void
log_write(enum log_level level, const char *text, size_t len)
{
	char		*clean, stamp[32];
	time_t		 now = time(NULL);
	struct tm	 tm;
	FILE		*fp;

	clean = sanitize_for_display(text, len, 0);
	localtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", &tm);
	pthread_mutex_lock(&log_lock);
	fp = log_fp != NULL ? log_fp : stderr;
	if (log_fp != NULL)
		fprintf(fp, "%s %s: %s\n", stamp, log_names[level], clean);
	else
		fprintf(fp, "tern: %s: %s\n", log_names[level], clean);
	fflush(fp);
	pthread_mutex_unlock(&log_lock);
	free(clean);
}

void
log_msg(enum log_level level, const char *fmt, ...)
{
	va_list	 ap;
	char	*text;

	if (level > log_level)
		return;
	va_start(ap, fmt);
	text = xvasprintf(fmt, ap);
	va_end(ap);
	log_write(level, text, strlen(text));
	free(text);
}

void
log_traffic(const char *prefix, const char *dir, const char *data, size_t len)
{
	char	*text;

	if (log_level < LOG_TRACE)
		return;
	/* Strip the line ending; the sanitizer turns inner CR/LF to spaces. */
	while (len > 0 && (data[len - 1] == '\n' || data[len - 1] == '\r'))
		len--;
	text = xasprintf("%s %s %.*s", prefix, dir, (int)len, data);
	log_write(LOG_TRACE, text, strlen(text));
	free(text);
}
