/* cs-eval kb: which knowledge-base article a ticket's draft cites, on the labelled
 * tickets of data/kb/eval_{train,dev}.jsonl ({"id","text","doc_id"}: the article a support
 * agent would send). The sample knowledge base is indexed into a throw-away SQLite store
 * and every ticket goes through what POST /tickets/process runs: triage with the default
 * policy, retrieval with the triage's hints (cs_retrieval_search_hinted), the extractive
 * draft. Reported per split: retrieval top-1 (the best passage's article) and citation
 * top-1 (the first article the draft quotes; a draft that quotes nothing is a miss).
 * Retrieval work may look at the train split's errors (--errors); the dev split is the
 * figure to report and is never tuned on. */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cs/jsonl_each.h"
#include "cs/arena.h"
#include "cs/auth.h"
#include "cs/draft.h"
#include "cs/json.h"
#include "cs/kb.h"
#include "cs/retrieval.h"
#include "cs/store.h"
#include "cs/triage.h"
#include "eval_int.h"

#define KB_PASSAGES 5

struct kb_score {
    size_t n, retrieved, cited;
};

static int index_article(const struct cs_kb_article *art, size_t line, void *ud)
{
    (void)line;
    void **x = ud;
    size_t n;
    return cs_retrieval_index_article(x[0], x[1], CS_SYSTEM_TENANT, art, 0, &n);
}

static int index_kb(struct cs_store *st, struct cs_arena *a, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return CS_ERR_IO;
    char *buf = NULL;
    size_t cap = 0, len = 0;
    for (;;) {
        if (len + 65536 > cap) {
            char *nb = realloc(buf, cap = cap * 2 + 65536);
            if (!nb) break;
            buf = nb;
        }
        size_t r = fread(buf + len, 1, cap - len, f);
        if (r == 0) break;
        len += r;
    }
    fclose(f);
    void *x[2] = {st, a};
    size_t bad = 0;
    int rc = buf ? cs_kb_parse_lines(a, buf, len, index_article, x, &bad) : CS_ERR_NOMEM;
    free(buf);
    return rc;
}

/* The articles the pipeline picks for one ticket ("" when none). */
static int pick(struct cs_store *st, struct cs_arena *a, const struct cs_models *ms,
                const struct cs_triage_policy *pol, const char *text, const char **retrieved,
                const char **cited, struct cs_triage *out)
{
    struct cs_triage tr;
    int rc = cs_triage_ticket(ms, pol, text, strlen(text), &tr);
    if (rc) return rc;
    struct cs_retrieval_hints h = {.category_code = tr.category_code, .confidence = tr.confidence};
    struct cs_passage *p = NULL;
    size_t np = 0;
    rc = cs_retrieval_search_hinted(st, a, CS_SYSTEM_TENANT, text, &h, KB_PASSAGES, &p, &np);
    if (rc) return rc;
    struct cs_draft_input in = {
        .ticket_text = text,
        .query_terms = cs_retrieval_expand(a, text),
        .triage = cs_draft_triage_of(&tr),
        .passages = p,
        .n_passages = np < KB_PASSAGES ? np : KB_PASSAGES,
    };
    struct cs_draft d;
    rc = cs_draft_build(a, &in, NULL, &d);
    *retrieved = np ? p[0].doc_id : "";
    *cited = !rc && d.kb_answer && d.n_used ? p[d.used[0]].doc_id : "";
    *out = tr;
    return rc;
}

struct split_ctx {
    struct cs_store *st;
    struct cs_arena *a;
    const struct cs_models *ms;
    const struct cs_triage_policy *pol;
    int errors;
    struct kb_score *s;
};

static int split_row(json_object *o, void *ud)
{
    struct split_ctx *c = ud;
    json_object *t, *d;
    if (!json_object_object_get_ex(o, "text", &t) || !json_object_object_get_ex(o, "doc_id", &d))
        return CS_OK;
    const char *want = json_object_get_string(d), *r = "", *cited = "";
    struct cs_triage tr;
    int rc = pick(c->st, c->a, c->ms, c->pol, json_object_get_string(t), &r, &cited, &tr);
    c->s->n++;
    c->s->retrieved += strcmp(r, want) == 0;
    c->s->cited += strcmp(cited, want) == 0;
    if (c->errors && strcmp(cited, want) != 0)
        printf("      miss %s: want %s, cited %s, retrieved %s (%s, %s): %s\n",
               cs_json_get_str(o, "id") ? cs_json_get_str(o, "id") : "?", want,
               *cited ? cited : "-", *r ? r : "-", tr.category_code, tr.intent,
               json_object_get_string(t));
    cs_arena_reset(c->a);
    return rc;
}

static int run_split(struct cs_store *st, struct cs_arena *a, const struct cs_models *ms,
                     const struct cs_triage_policy *pol, const char *path, int errors,
                     struct kb_score *s)
{
    struct split_ctx c = {st, a, ms, pol, errors, s};
    return cs_jsonl_each(path, split_row, &c);
}

static void print_split(const char *name, const struct kb_score *s)
{
    printf("    %-6s n=%zu retrieval top-1=%.3f citation top-1=%.3f\n", name, s->n,
           s->n ? (double)s->retrieved / s->n : 0.0, s->n ? (double)s->cited / s->n : 0.0);
}

int eval_kb(const struct cs_models *ms, const char *kb_dir, const char *policy, int errors)
{
    char kb[4096], train[4096], dev[4096], dir[] = "/tmp/cs-eval-kb-XXXXXX", uri[4200];
    snprintf(kb, sizeof(kb), "%s/sample_kb.jsonl", kb_dir);
    snprintf(train, sizeof(train), "%s/eval_train.jsonl", kb_dir);
    snprintf(dev, sizeof(dev), "%s/eval_dev.jsonl", kb_dir);
    if (access(kb, R_OK) || access(dev, R_OK) || !mkdtemp(dir)) {
        printf("kb citations       skipped (%s or %s missing)\n", kb, dev);
        return 1;
    }
    snprintf(uri, sizeof(uri), "sqlite://%s/kb.db", dir);
    struct cs_triage_policy *pol = NULL;
    struct cs_store *st = NULL;
    struct cs_arena *a = cs_arena_new(0);
    int rc = a ? cs_triage_policy_load(policy, &pol) : CS_ERR_NOMEM;
    if (!rc) rc = cs_store_open(uri, &st);
    if (!rc) rc = index_kb(st, a, kb);
    cs_arena_reset(a);
    struct kb_score tr = {0}, dv = {0};
    if (!rc) rc = run_split(st, a, ms, pol, train, errors, &tr);
    if (!rc) rc = run_split(st, a, ms, pol, dev, 0, &dv);
    cs_store_close(st);
    cs_arena_destroy(a);
    cs_triage_policy_destroy(pol);
    static const char *const side[] = {"kb.db", "kb.db-wal", "kb.db-shm", "kb.db-journal"};
    for (size_t i = 0; i < 4; i++) {
        char p[4300];
        snprintf(p, sizeof(p), "%s/%s", dir, side[i]);
        unlink(p);
    }
    rmdir(dir);
    if (rc) {
        printf("kb citations       failed: %s\n", cs_error_message(rc));
        return 1;
    }
    printf(
        "kb citations       sample KB, labelled tickets (%s/eval_*.jsonl), tickets-process path\n",
        kb_dir);
    print_split("train", &tr);
    print_split("dev", &dv);
    return 0;
}
