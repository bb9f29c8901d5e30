/* A progress line for long offline work (training, evaluation, benchmarks, imports,
 * demo data): "label  12,345/100,000 calls  12.3%  4,567/s  ETA 0:19", redrawn in place
 * on stderr at most a few times a second, and only when stderr is a terminal, so CI
 * logs and pipes stay quiet. The clock is injectable so the formatting is testable.
 * Not for request paths: it writes to a stream. */
#ifndef CS_PROGRESS_H
#define CS_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define CS_PROGRESS_INTERVAL 0.25 /* seconds between redraws */
#define CS_PROGRESS_LINE 160      /* bytes of one formatted line, NUL included */

struct cs_progress {
    const char *label, *unit; /* static or outliving the progress */
    int64_t total;            /* 0 or less: unknown (no percentage or ETA) */
    int64_t done;
    double start, last_draw; /* clock seconds */
    bool enabled, drawn;
    FILE *out;
    double (*clock)(void *ctx);
    void *clock_ctx;
};

/* Starts a progress on stderr, enabled only when stderr is a terminal (isatty). */
void cs_progress_start(struct cs_progress *p, const char *label, const char *unit, int64_t total);
/* The same with every dependency given: the stream, whether to draw, and the clock
 * (NULL: CLOCK_MONOTONIC). */
void cs_progress_start_ex(struct cs_progress *p, const char *label, const char *unit, int64_t total,
                          FILE *out, bool enabled, double (*clock)(void *ctx), void *clock_ctx);
/* Records `done` units so far (absolute) and redraws when the last draw is at least
 * CS_PROGRESS_INTERVAL old. */
void cs_progress_set(struct cs_progress *p, int64_t done);
void cs_progress_add(struct cs_progress *p, int64_t n);
/* Erases the line so other output can follow on the terminal; the next draw brings
 * it back. */
void cs_progress_clear(struct cs_progress *p);
/* Draws the final figures and ends the line (nothing when disabled). */
void cs_progress_finish(struct cs_progress *p);
/* The line for `done` units at clock time `now` (pure). Returns its length. Rate is
 * done / elapsed; ETA (remaining / rate) only with a known total and a rate above 0. */
size_t cs_progress_format(const struct cs_progress *p, double now, char *buf, size_t cap);
/* A callback shape for library code that cannot link this module (cs_rp_demo_generate):
 * ctx is a struct cs_progress. */
void cs_progress_cb(void *ctx, int64_t done, int64_t total);

#endif
