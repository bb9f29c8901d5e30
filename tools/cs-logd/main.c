/* cs-logd: appends standard input to a log file and rotates it, for `build.sh serve`
 * (every function's stderr reaches it through one fifo).
 *
 *   cs-logd FILE   (CS_LOG_MAX_BYTES, default 64 MiB; CS_LOG_KEEP rotated files, default 5)
 *
 * Rotation renames FILE to FILE.1 (FILE.1 to FILE.2 ... dropping the oldest) and starts
 * a new FILE; it happens when FILE reaches the size limit and on SIGHUP. Files are
 * created owner-only (0600): the log holds tenant names and request ids. Reads end at
 * end of input; SIGTERM stops after what is already buffered is written.
 *
 * Written by hand rather than using logrotate(8): logrotate is a cron job that rotates
 * after the fact (a burst can still fill the disk between runs) and needs a writer that
 * reopens on a signal, which a fifo reader is anyway.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static volatile sig_atomic_t hup, term;

static void on_hup(int sig)
{
    (void)sig;
    hup = 1;
}
static void on_term(int sig)
{
    (void)sig;
    term = 1;
}

static long env_long(const char *name, long dflt, long min, long max)
{
    const char *v = getenv(name);
    if (!v || !*v) return dflt;
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno || *end || n < min || n > max) {
        fprintf(stderr, "cs-logd: %s must be %ld..%ld; using %ld\n", name, min, max, dflt);
        return dflt;
    }
    return n;
}

static int open_log(const char *path)
{
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd >= 0) (void)fchmod(fd, 0600); /* an older file may be looser */
    return fd;
}

/* FILE.(k-1) -> FILE.k down to FILE -> FILE.1, then a fresh FILE. */
static int rotate(const char *path, int fd, long keep)
{
    char from[4096], to[4096];
    for (long k = keep; k >= 1; k--) {
        if (k == 1)
            snprintf(from, sizeof(from), "%s", path);
        else
            snprintf(from, sizeof(from), "%s.%ld", path, k - 1);
        snprintf(to, sizeof(to), "%s.%ld", path, k);
        if (rename(from, to) != 0 && errno != ENOENT) perror("cs-logd: rename");
    }
    int nfd = open_log(path);
    if (nfd < 0) return fd; /* keep writing where we were rather than lose lines */
    close(fd);
    return nfd;
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: cs-logd FILE < input\n");
        return 2;
    }
    const char *path = argv[1];
    long max = env_long("CS_LOG_MAX_BYTES", 64L << 20, 4096, 1L << 40);
    long keep = env_long("CS_LOG_KEEP", 5, 1, 100);
    struct sigaction sa = {0};
    sa.sa_handler = on_hup; /* no SA_RESTART: a pending read returns so we act at once */
    sigaction(SIGHUP, &sa, NULL);
    sa.sa_handler = on_term;
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    int fd = open_log(path);
    if (fd < 0) {
        perror("cs-logd: open");
        return 1;
    }
    static char buf[1 << 16];
    for (;;) {
        if (hup) {
            hup = 0;
            /* An empty file has nothing to keep: rotating it would only push a real
             * one out of the kept set. */
            struct stat hs;
            if (fstat(fd, &hs) != 0 || hs.st_size > 0) fd = rotate(path, fd, keep);
        }
        if (term) {
            /* Drain what is already in the pipe, then stop. */
            fcntl(0, F_SETFL, fcntl(0, F_GETFL) | O_NONBLOCK);
        }
        ssize_t n = read(0, buf, sizeof(buf));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        if (write_all(fd, buf, (size_t)n) != 0) perror("cs-logd: write");
        struct stat sb;
        if (fstat(fd, &sb) == 0 && sb.st_size >= max) fd = rotate(path, fd, keep);
    }
    close(fd);
    return 0;
}
