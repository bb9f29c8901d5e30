/* Progress line (see cs/progress.h). Hand-written: the Debian-packaged progress
 * libraries (pv is a program, not a library; libprogressbar is not packaged) do not fit
 * a stderr-only, clock-injectable line of a few dozen lines. */
#include "cs/progress.h"

#include <string.h>
#include <time.h>
#include <unistd.h>

static double mono(void *ctx)
{
    (void)ctx;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void cs_progress_start_ex(struct cs_progress *p, const char *label, const char *unit, int64_t total,
                          FILE *out, bool enabled, double (*clock)(void *ctx), void *clock_ctx)
{
    memset(p, 0, sizeof(*p));
    p->label = label ? label : "";
    p->unit = unit ? unit : "";
    p->total = total;
    p->out = out;
    p->enabled = enabled && out;
    p->clock = clock ? clock : mono;
    p->clock_ctx = clock_ctx;
    p->start = p->last_draw = p->clock(p->clock_ctx);
}

void cs_progress_start(struct cs_progress *p, const char *label, const char *unit, int64_t total)
{
    cs_progress_start_ex(p, label, unit, total, stderr, isatty(STDERR_FILENO) == 1, NULL, NULL);
}

/* 1234567 -> "1,234,567". */
static void grouped(int64_t v, char *out, size_t cap)
{
    char digits[32];
    int n = snprintf(digits, sizeof(digits), "%lld", (long long)(v < 0 ? -v : v));
    size_t at = 0;
    if (v < 0 && at + 1 < cap) out[at++] = '-';
    for (int i = 0; i < n && at + 2 < cap; i++) {
        if (i && (n - i) % 3 == 0) out[at++] = ',';
        out[at++] = digits[i];
    }
    out[at] = '\0';
}

/* Seconds as "m:ss", or "h:mm:ss" from an hour on. */
static void duration(double s, char *out, size_t cap)
{
    long long t = (long long)(s + 0.5);
    if (t >= 3600)
        snprintf(out, cap, "%lld:%02lld:%02lld", t / 3600, t / 60 % 60, t % 60);
    else
        snprintf(out, cap, "%lld:%02lld", t / 60, t % 60);
}

size_t cs_progress_format(const struct cs_progress *p, double now, char *buf, size_t cap)
{
    char done[32], total[32], rate[32], eta[32];
    double elapsed = now - p->start;
    double r = elapsed > 0 ? (double)p->done / elapsed : 0;
    grouped(p->done, done, sizeof(done));
    grouped((int64_t)(r + 0.5), rate, sizeof(rate));
    int n;
    if (p->total > 0) {
        grouped(p->total, total, sizeof(total));
        double pct = 100.0 * (double)p->done / (double)p->total;
        if (r > 0 && p->done < p->total)
            duration((double)(p->total - p->done) / r, eta, sizeof(eta));
        else if (p->done >= p->total)
            duration(elapsed, eta, sizeof(eta));
        else
            snprintf(eta, sizeof(eta), "?");
        n = snprintf(buf, cap, "%s  %s/%s %s  %.1f%%  %s/s  %s %s", p->label, done, total, p->unit,
                     pct, rate, p->done >= p->total ? "took" : "ETA", eta);
    } else {
        duration(elapsed, eta, sizeof(eta));
        n = snprintf(buf, cap, "%s  %s %s  %s/s  %s", p->label, done, p->unit, rate, eta);
    }
    if (n < 0) n = 0;
    return (size_t)n < cap ? (size_t)n : cap ? cap - 1 : 0;
}

static void draw(struct cs_progress *p, double now)
{
    char line[CS_PROGRESS_LINE];
    cs_progress_format(p, now, line, sizeof(line));
    /* \r back to the line's start, \033[K clears what a longer earlier line left. */
    fprintf(p->out, "\r%s\033[K", line);
    fflush(p->out);
    p->last_draw = now;
    p->drawn = true;
}

void cs_progress_set(struct cs_progress *p, int64_t done)
{
    p->done = done;
    if (!p->enabled) return;
    double now = p->clock(p->clock_ctx);
    if (now - p->last_draw >= CS_PROGRESS_INTERVAL) draw(p, now);
}

void cs_progress_add(struct cs_progress *p, int64_t n) { cs_progress_set(p, p->done + n); }

void cs_progress_clear(struct cs_progress *p)
{
    if (!p->enabled || !p->drawn) return;
    fputs("\r\033[K", p->out);
    fflush(p->out);
    p->drawn = false;
}

void cs_progress_finish(struct cs_progress *p)
{
    if (!p->enabled) return;
    draw(p, p->clock(p->clock_ctx));
    fputc('\n', p->out);
    fflush(p->out);
    p->enabled = false;
}

void cs_progress_cb(void *ctx, int64_t done, int64_t total)
{
    struct cs_progress *p = ctx;
    if (total > 0) p->total = total;
    cs_progress_set(p, done);
}
