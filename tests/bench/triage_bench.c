/* The whole triage of a ticket in CPU time (issue #14: "within 150 us of CPU"):
 * cs_triage_ticket (category and impact models, sentiment, cues, amounts, language,
 * shipped policy) over every ticket of a corpus, repeated REPS times. Each repetition
 * gives the mean CPU time per ticket (CLOCK_THREAD_CPUTIME_ID: time this thread ran,
 * which load on the shared cores inflates far less than wall time, though not to
 * nothing: a neighbour evicts the caches). The headline is the floor (each block of
 * tickets at its fastest run, see measure()), steady under load; the median, min and
 * max of whole passes are printed beside it, and the median pass of a baseline
 * (lower-casing and word counting over the same texts) so the ratio compares across
 * machines.
 *
 *   triage_bench [data/models] [data/triage/train.jsonl]   (build.sh bench runs it)
 */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cs/lang.h"
#include "cs/models.h"
#include "cs/triage.h"

#define REPS 15
#define BLOCK 8
#define MAX_TICKETS 4096
#define BUDGET_US 150.0

struct corpus {
    char *text[MAX_TICKETS];
    size_t len[MAX_TICKETS];
    size_t n, bytes;
};

static double cpu_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int load_corpus(const char *path, struct corpus *c)
{
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    char *line = NULL;
    size_t cap = 0;
    while (c->n < MAX_TICKETS && getline(&line, &cap, f) > 0) {
        json_object *o = json_tokener_parse(line), *t = NULL;
        if (o && json_object_object_get_ex(o, "text", &t) &&
            json_object_is_type(t, json_type_string)) {
            size_t len = (size_t)json_object_get_string_len(t);
            char *s = malloc(len + 1);
            if (s) {
                memcpy(s, json_object_get_string(t), len + 1);
                c->text[c->n] = s, c->len[c->n] = len, c->n++, c->bytes += len;
            }
        }
        json_object_put(o);
    }
    free(line);
    fclose(f);
    return c->n > 0 ? 0 : -1;
}

static volatile unsigned sink;

static void baseline_one(const char *s, size_t len)
{
    char low[256];
    unsigned words = 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        low[i & 255] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
        words += c == ' ';
    }
    sink += words + (unsigned)low[0];
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* CPU us of tickets [from, to): triage, or the baseline pass when ms is NULL. */
static double run_block(const struct corpus *c, size_t from, size_t to, const struct cs_models *ms,
                        const struct cs_triage_policy *p)
{
    double t0 = cpu_us();
    for (size_t i = from; i < to; i++) {
        if (!ms) {
            baseline_one(c->text[i], c->len[i]);
            continue;
        }
        struct cs_triage t;
        if (cs_triage_ticket(ms, p, c->text[i], c->len[i], &t) == CS_OK)
            sink += (unsigned)t.sla_hours;
    }
    return cpu_us() - t0;
}

/* Mean CPU us per ticket over the corpus, two ways. pass[]: each of REPS whole passes,
 * sorted. *floor: the corpus cut into blocks of BLOCK tickets (about a millisecond,
 * mostly inside one time slice), each block at its fastest over the REPS passes,
 * summed: another process sharing the core or the cache inflates some runs of a block,
 * rarely all. Passes run the whole corpus in order, so no block runs twice in a row
 * (which would let the branch predictor learn its texts). */
static void measure(const struct corpus *c, const struct cs_models *ms,
                    const struct cs_triage_policy *p, double *pass, double *floor)
{
    static double best[MAX_TICKETS / BLOCK + 1];
    size_t nb = (c->n + BLOCK - 1) / BLOCK;
    for (size_t b = 0; b < nb; b++) best[b] = 1e30;
    for (int r = 0; r < REPS; r++) {
        pass[r] = 0;
        for (size_t b = 0; b < nb; b++) {
            size_t from = b * BLOCK, to = from + BLOCK < c->n ? from + BLOCK : c->n;
            double us = run_block(c, from, to, ms, p);
            pass[r] += us;
            if (us < best[b]) best[b] = us;
        }
        pass[r] /= (double)c->n;
    }
    qsort(pass, REPS, sizeof(double), cmp_double);
    double sum = 0;
    for (size_t b = 0; b < nb; b++) sum += best[b];
    *floor = sum / (double)c->n;
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "data/models";
    const char *path = argc > 2 ? argv[2] : "data/triage/train.jsonl";
    static struct corpus c;
    struct cs_models *ms = NULL;
    struct cs_triage_policy *p = NULL;
    struct cs_lang *lang = NULL;
    if (load_corpus(path, &c) != 0 || cs_models_open(dir, &ms) != CS_OK ||
        cs_triage_policy_load("data/policy/triage_default.json", &p) != CS_OK ||
        cs_lang_open("data/triage/languages.conf", "/usr/share/libexttextcat", &lang) != CS_OK) {
        fprintf(stderr, "triage_bench: cannot load %s, %s, the policy or the languages\n", path,
                dir);
        return 1;
    }
    cs_triage_policy_set_lang(p, lang);
    struct cs_triage warm;
    for (size_t i = 0; i < c.n && i < 64; i++) /* first-use initialisation (phrase index) */
        if (cs_triage_ticket(ms, p, c.text[i], c.len[i], &warm) == CS_OK) sink += 1;
    double base[REPS], tri[REPS], bfloor, tfloor;
    measure(&c, NULL, NULL, base, &bfloor);
    measure(&c, ms, p, tri, &tfloor);
    double med = tri[REPS / 2];
    printf("triage CPU per ticket (cs_triage_ticket over %zu tickets of %s, mean %zu bytes; "
           "thread CPU time, %d passes): fastest-run floor %.1f us, pass median %.1f us, min "
           "%.1f, max %.1f; budget %.0f us: %s; baseline pass median %.3f us (x%.0f)\n",
           c.n, path, c.bytes / c.n, REPS, tfloor, med, tri[0], tri[REPS - 1], BUDGET_US,
           tfloor <= BUDGET_US ? "within" : "OVER", base[REPS / 2],
           base[REPS / 2] > 0 ? tfloor / base[REPS / 2] : 0.0);
    cs_triage_policy_destroy(p);
    cs_models_close(ms);
    for (size_t i = 0; i < c.n; i++) free(c.text[i]);
    return tfloor <= BUDGET_US ? 0 : 2;
}
