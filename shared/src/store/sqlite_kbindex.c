/* In-memory bm25 ranking over docs_fts (see sqlite_kbindex.h). */
#include "store/sqlite_kbindex.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cs/error.h"

/* The schema's `tokenize='porter unicode61 remove_diacritics 2'`: FTS5 finds "porter"
 * and hands it the rest. Tokens come from SQLite's own tokenizer so that they are
 * byte-identical to the ones FTS5 indexed. */
static const char *const tokenizer_args[] = {"unicode61", "remove_diacritics", "2"};
#define KBX_COLS 2
static const double col_weight[KBX_COLS] = {2.0, 1.0}; /* bm25(docs_fts, 2.0, 1.0) */
#define KBX_PHRASE_MAX 256                             /* tokens of one query word */
#define KBX_STRUCTURE_ROWID 10                         /* FTS5's structure record */

struct kbx_term {
    uint32_t off, len, hash;
    uint32_t first, nocc; /* its occurrences: occ[first, first + nocc) */
};

/* One occurrence of a term: row, and column in the top bit above the position. */
struct kbx_occ {
    uint32_t row, colpos;
};

struct kbx_row {
    int64_t rid;
    int group; /* index into groups, -1 when no `docs` row joins it */
    uint32_t start[KBX_COLS], ntok[KBX_COLS];
};

struct kbx_group {
    char *tenant, *coll;
};

struct kbx {
    sqlite3 *db;
    fts5_tokenizer api;
    Fts5Tokenizer *tok;
    sqlite3_stmt *stamp_q, *rows_q;
    unsigned char *stamp;
    int stamp_len;
    bool valid, over_own; /* over_own: built over this connection's uncommitted writes */
    struct kbx_clock built;

    struct kbx_row *rows;
    size_t nrows, cap_rows;
    uint32_t *toks; /* every row's term ids, column after column */
    size_t ntoks, cap_toks;
    struct kbx_term *terms;
    size_t nterms, cap_terms;
    uint32_t *slots; /* open addressing: term index + 1, 0 empty */
    size_t nslots;
    char *text;
    size_t ntext, cap_text;
    struct kbx_occ *occ;
    struct kbx_group *groups;
    size_t ngroups;
    int64_t total_tokens;

    /* per query, sized nrows: accumulated score, which query touched it, the rows */
    double *acc, *pfreq;
    uint32_t *mark, *touched, *prow, query;
};

static bool grow(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap) return true;
    size_t n = *cap ? *cap : 64;
    while (n < need) n *= 2;
    void *q = realloc(*p, n * size);
    if (!q) return false;
    *p = q;
    *cap = n;
    return true;
}

static uint32_t fnv1a(const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

/* ---- terms ---- */

static long term_find(const struct kbx *x, const char *s, size_t n, uint32_t h)
{
    if (!x->nslots) return -1;
    for (size_t i = h & (x->nslots - 1);; i = (i + 1) & (x->nslots - 1)) {
        uint32_t t = x->slots[i];
        if (!t) return -1;
        const struct kbx_term *e = &x->terms[t - 1];
        if (e->hash == h && e->len == n && memcmp(x->text + e->off, s, n) == 0) return t - 1;
    }
}

static void slot_put(struct kbx *x, uint32_t t)
{
    size_t i = x->terms[t].hash & (x->nslots - 1);
    while (x->slots[i]) i = (i + 1) & (x->nslots - 1);
    x->slots[i] = t + 1;
}

static bool slots_grow(struct kbx *x)
{
    size_t n = x->nslots ? x->nslots * 2 : 1024;
    uint32_t *s = calloc(n, sizeof(*s));
    if (!s) return false;
    free(x->slots);
    x->slots = s;
    x->nslots = n;
    for (size_t t = 0; t < x->nterms; t++) slot_put(x, (uint32_t)t);
    return true;
}

static long term_add(struct kbx *x, const char *s, size_t n)
{
    uint32_t h = fnv1a(s, n);
    long t = term_find(x, s, n, h);
    if (t >= 0) return t;
    if ((x->nterms + 1) * 2 > x->nslots && !slots_grow(x)) return -1;
    if (!grow((void **)&x->terms, &x->cap_terms, x->nterms + 1, sizeof(*x->terms)) ||
        !grow((void **)&x->text, &x->cap_text, x->ntext + n, 1))
        return -1;
    memcpy(x->text + x->ntext, s, n);
    x->terms[x->nterms] = (struct kbx_term){(uint32_t)x->ntext, (uint32_t)n, h, 0, 0};
    x->ntext += n;
    slot_put(x, (uint32_t)x->nterms);
    return (long)x->nterms++;
}

/* ---- building ---- */

static int on_doc_token(void *ud, int tflags, const char *tok, int n, int start, int end)
{
    (void)start, (void)end;
    struct kbx *x = ud;
    /* A colocated token shares a position: FTS5 counts it apart; none of ours emits one. */
    if (tflags & FTS5_TOKEN_COLOCATED) return SQLITE_ERROR;
    long t = term_add(x, tok, (size_t)n);
    if (t < 0 || !grow((void **)&x->toks, &x->cap_toks, x->ntoks + 1, sizeof(*x->toks)))
        return SQLITE_NOMEM;
    x->toks[x->ntoks++] = (uint32_t)t;
    return SQLITE_OK;
}

static int group_of(struct kbx *x, const char *tenant, const char *coll)
{
    if (!tenant || !coll) return -1;
    for (size_t i = 0; i < x->ngroups; i++)
        if (strcmp(x->groups[i].tenant, tenant) == 0 && strcmp(x->groups[i].coll, coll) == 0)
            return (int)i;
    return -2;
}

static int group_add(struct kbx *x, const char *tenant, const char *coll, int *out)
{
    *out = group_of(x, tenant, coll);
    if (*out != -2) return CS_OK;
    struct kbx_group *g = realloc(x->groups, (x->ngroups + 1) * sizeof(*g));
    if (!g) return CS_ERR_NOMEM;
    x->groups = g;
    g[x->ngroups] = (struct kbx_group){strdup(tenant), strdup(coll)};
    if (!g[x->ngroups].tenant || !g[x->ngroups].coll) {
        free(g[x->ngroups].tenant);
        free(g[x->ngroups].coll);
        return CS_ERR_NOMEM;
    }
    *out = (int)x->ngroups++;
    return CS_OK;
}

static void clear(struct kbx *x)
{
    for (size_t i = 0; i < x->ngroups; i++) {
        free(x->groups[i].tenant);
        free(x->groups[i].coll);
    }
    free(x->groups);
    x->groups = NULL;
    x->ngroups = 0;
    x->nrows = x->ntoks = x->nterms = x->ntext = 0;
    x->total_tokens = 0;
    if (x->slots) memset(x->slots, 0, x->nslots * sizeof(*x->slots));
    free(x->occ);
    free(x->acc);
    free(x->pfreq);
    free(x->mark);
    free(x->touched);
    free(x->prow);
    x->occ = NULL;
    x->acc = x->pfreq = NULL;
    x->mark = x->touched = x->prow = NULL;
    x->valid = false;
}

static int add_row(struct kbx *x, sqlite3_stmt *q)
{
    if (!grow((void **)&x->rows, &x->cap_rows, x->nrows + 1, sizeof(*x->rows))) return CS_ERR_NOMEM;
    struct kbx_row *r = &x->rows[x->nrows];
    r->rid = sqlite3_column_int64(q, 0);
    int rc = group_add(x, (const char *)sqlite3_column_text(q, 3),
                       (const char *)sqlite3_column_text(q, 4), &r->group);
    for (int c = 0; c < KBX_COLS && !rc; c++) {
        const char *s = (const char *)sqlite3_column_text(q, 1 + c);
        int n = sqlite3_column_bytes(q, 1 + c);
        r->start[c] = (uint32_t)x->ntoks;
        if (s && n > 0 &&
            x->api.xTokenize(x->tok, x, FTS5_TOKENIZE_DOCUMENT, s, n, on_doc_token) != SQLITE_OK)
            rc = CS_ERR_STORE;
        r->ntok[c] = (uint32_t)(x->ntoks - r->start[c]);
        x->total_tokens += r->ntok[c];
    }
    if (!rc) x->nrows++;
    return rc;
}

/* Occurrence lists by term, each in row order (rows are read in rowid order). */
static int build_postings(struct kbx *x)
{
    x->occ = malloc((x->ntoks ? x->ntoks : 1) * sizeof(*x->occ));
    size_t n = x->nrows ? x->nrows : 1;
    x->acc = malloc(n * sizeof(*x->acc));
    x->pfreq = malloc(n * sizeof(*x->pfreq));
    x->mark = calloc(n, sizeof(*x->mark));
    x->touched = malloc(n * sizeof(*x->touched));
    x->prow = malloc(n * sizeof(*x->prow));
    if (!x->occ || !x->acc || !x->pfreq || !x->mark || !x->touched || !x->prow) return CS_ERR_NOMEM;
    x->query = 0;
    for (size_t i = 0; i < x->ntoks; i++) x->terms[x->toks[i]].nocc++;
    uint32_t at = 0;
    for (size_t t = 0; t < x->nterms; t++) {
        x->terms[t].first = at;
        at += x->terms[t].nocc;
        x->terms[t].nocc = 0;
    }
    for (size_t r = 0; r < x->nrows; r++)
        for (uint32_t c = 0; c < KBX_COLS; c++)
            for (uint32_t p = 0; p < x->rows[r].ntok[c]; p++) {
                struct kbx_term *t = &x->terms[x->toks[x->rows[r].start[c] + p]];
                x->occ[t->first + t->nocc++] = (struct kbx_occ){(uint32_t)r, c << 31 | p};
            }
    return CS_OK;
}

static int build(struct kbx *x)
{
    clear(x);
    if (!x->rows_q &&
        sqlite3_prepare_v2(x->db,
                           "SELECT f.rowid, f.title, f.body, d.tenant, d.coll FROM docs_fts f"
                           " LEFT JOIN docs d ON d.rid = f.rowid ORDER BY f.rowid",
                           -1, &x->rows_q, NULL) != SQLITE_OK)
        return CS_ERR_STORE;
    int step, rc = CS_OK;
    while (!rc && (step = sqlite3_step(x->rows_q)) == SQLITE_ROW) rc = add_row(x, x->rows_q);
    sqlite3_reset(x->rows_q);
    if (!rc && step != SQLITE_DONE) rc = CS_ERR_STORE;
    if (!rc && x->ntoks >= (size_t)1 << 31) rc = CS_ERR_TOO_LARGE; /* positions fit 31 bits */
    if (!rc) rc = build_postings(x);
    if (rc) clear(x);
    return rc;
}

/* FTS5 rewrites its structure record at every change of the index (it carries a write
 * counter), so equal bytes mean an unchanged table. */
static int read_stamp(struct kbx *x, const void **blob, int *len)
{
    if (!x->stamp_q && sqlite3_prepare_v2(x->db, "SELECT block FROM docs_fts_data WHERE id=?1", -1,
                                          &x->stamp_q, NULL) != SQLITE_OK)
        return CS_ERR_STORE;
    sqlite3_bind_int(x->stamp_q, 1, KBX_STRUCTURE_ROWID);
    int step = sqlite3_step(x->stamp_q);
    *blob = step == SQLITE_ROW ? sqlite3_column_blob(x->stamp_q, 0) : NULL;
    *len = step == SQLITE_ROW ? sqlite3_column_bytes(x->stamp_q, 0) : 0;
    return step == SQLITE_ROW || step == SQLITE_DONE ? CS_OK : CS_ERR_STORE;
}

static bool fresh(const struct kbx *x, const struct kbx_clock *clk, const void *blob, int len)
{
    if (!x->valid || clk->writes != x->built.writes) return false;
    if (x->over_own && clk->gen != x->built.gen) return false;
    return len == x->stamp_len && (len == 0 || memcmp(blob, x->stamp, (size_t)len) == 0);
}

static int refresh(struct kbx *x, const struct kbx_clock *clk)
{
    const void *blob;
    int len, rc = read_stamp(x, &blob, &len);
    if (!rc && !fresh(x, clk, blob, len)) {
        unsigned char *copy = malloc(len > 0 ? (size_t)len : 1);
        rc = copy ? CS_OK : CS_ERR_NOMEM;
        if (!rc) memcpy(copy, blob, (size_t)len);
        if (!rc) rc = build(x);
        if (!rc) {
            free(x->stamp);
            x->stamp = copy;
            x->stamp_len = len;
            x->built = *clk;
            x->over_own = clk->writes > 0 && clk->write_gen == clk->gen;
            x->valid = true;
        } else {
            free(copy);
        }
    }
    sqlite3_reset(x->stamp_q);
    return rc;
}

/* ---- querying ---- */

struct phrase {
    const struct kbx *x;
    uint32_t tok[KBX_PHRASE_MAX];
    size_t n;
    bool missing; /* a token no row has: the phrase matches nothing */
};

static int on_query_token(void *ud, int tflags, const char *tok, int n, int start, int end)
{
    (void)start, (void)end;
    struct phrase *p = ud;
    if ((tflags & FTS5_TOKEN_COLOCATED) || p->n == KBX_PHRASE_MAX) return SQLITE_ERROR;
    long t = term_find(p->x, tok, (size_t)n, fnv1a(tok, (size_t)n));
    if (t < 0)
        p->missing = true;
    else
        p->tok[p->n] = (uint32_t)t;
    p->n++;
    return SQLITE_OK;
}

/* Does the phrase continue at occurrence o of its first token? */
static bool phrase_at(const struct kbx *x, const struct phrase *p, struct kbx_occ o)
{
    const struct kbx_row *r = &x->rows[o.row];
    uint32_t c = o.colpos >> 31, pos = o.colpos & 0x7fffffffu;
    if (pos + p->n > r->ntok[c]) return false;
    const uint32_t *t = x->toks + r->start[c] + pos;
    for (size_t k = 1; k < p->n; k++)
        if (t[k] != p->tok[k]) return false;
    return true;
}

/* The phrase's rows of the group with their weighted instance counts (prow, pfreq), and
 * how many rows of the whole table hold it (FTS5's nHit, for the IDF). */
static size_t phrase_rows(struct kbx *x, const struct phrase *p, int group, int64_t *nhit)
{
    const struct kbx_term *t = &x->terms[p->tok[0]];
    size_t m = 0;
    int64_t hits = 0;
    uint32_t cur = UINT32_MAX;
    double f = 0;
    for (uint32_t i = 0; i <= t->nocc; i++) {
        bool end = i == t->nocc;
        struct kbx_occ o = end ? (struct kbx_occ){UINT32_MAX, 0} : x->occ[t->first + i];
        if (o.row != cur && cur != UINT32_MAX && f > 0) {
            hits++;
            if (x->rows[cur].group == group) {
                x->prow[m] = cur;
                x->pfreq[m++] = f;
            }
        }
        if (end) break;
        if (o.row != cur) cur = o.row, f = 0;
        if (p->n == 1 || phrase_at(x, p, o)) f += col_weight[o.colpos >> 31];
    }
    *nhit = hits;
    return m;
}

/* Adds phrase p's bm25 term to its rows, written as fts5_aux.c's fts5Bm25Function
 * computes it (same operations in the same order, so the same doubles); phrases are
 * added in query order as there, and a phrase a row lacks adds exactly 0 there. */
static void add_phrase(struct kbx *x, const struct phrase *p, int group, double avgdl,
                       size_t *ntouched)
{
    const double k1 = 1.2, b = 0.75;
    int64_t nhit;
    size_t m = phrase_rows(x, p, group, &nhit);
    int64_t nrow = (int64_t)x->nrows;
    double idf = log((nrow - nhit + 0.5) / (nhit + 0.5));
    if (idf <= 0.0) idf = 1e-6;
    for (size_t i = 0; i < m; i++) {
        uint32_t r = x->prow[i];
        double f = x->pfreq[i];
        double D = (double)(x->rows[r].ntok[0] + x->rows[r].ntok[1]);
        if (x->mark[r] != x->query) {
            x->mark[r] = x->query;
            x->acc[r] = 0.0;
            x->touched[(*ntouched)++] = r;
        }
        x->acc[r] += idf * ((f * (k1 + 1.0)) / (f + k1 * (1 - b + b * D / avgdl)));
    }
}

/* ORDER BY bm25 (ascending: -score) keeps equal scores in scan order, rowid ascending. */
static bool before(const struct kbx_hit *a, const struct kbx_hit *b)
{
    return a->score > b->score || (a->score == b->score && a->rid < b->rid);
}

static size_t best(const struct kbx *x, size_t ntouched, size_t limit, struct kbx_hit *hits)
{
    size_t n = 0;
    for (size_t i = 0; i < ntouched && limit; i++) {
        uint32_t r = x->touched[i];
        struct kbx_hit h = {x->rows[r].rid, x->acc[r]};
        if (n == limit && !before(&h, &hits[n - 1])) continue;
        size_t j = n < limit ? n++ : n - 1;
        while (j > 0 && before(&h, &hits[j - 1])) {
            hits[j] = hits[j - 1];
            j--;
        }
        hits[j] = h;
    }
    return n;
}

static struct kbx *kbx_new(sqlite3 *db)
{
    fts5_api *api = NULL;
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &q, NULL) != SQLITE_OK) return NULL;
    sqlite3_bind_pointer(q, 1, (void *)&api, "fts5_api_ptr", NULL);
    sqlite3_step(q);
    sqlite3_finalize(q);
    struct kbx *x = api ? calloc(1, sizeof(*x)) : NULL;
    void *ud = NULL;
    if (!x) return NULL;
    x->db = db;
    if (api->xFindTokenizer(api, "porter", &ud, &x->api) != SQLITE_OK ||
        x->api.xCreate(ud, (const char **)tokenizer_args,
                       (int)(sizeof(tokenizer_args) / sizeof(tokenizer_args[0])),
                       &x->tok) != SQLITE_OK) {
        free(x);
        return NULL;
    }
    return x;
}

int kbx_search(struct kbx **slot, sqlite3 *db, const struct kbx_clock *clk, const char *tenant,
               const char *coll, const char *const *terms, size_t n, size_t limit,
               struct kbx_hit *hits, size_t *nhits)
{
    *nhits = 0;
    if (!*slot && !(*slot = kbx_new(db))) return CS_ERR_UNAVAILABLE;
    struct kbx *x = *slot;
    int rc = refresh(x, clk);
    if (rc) return rc;
    int group = group_of(x, tenant, coll);
    if (group < 0 || x->nrows == 0) return CS_OK;
    double avgdl = (double)x->total_tokens / (double)x->nrows;
    if (++x->query == 0) { /* wrapped: marks of 4 G queries ago would look current */
        memset(x->mark, 0, x->nrows * sizeof(*x->mark));
        x->query = 1;
    }
    size_t ntouched = 0;
    for (size_t i = 0; i < n; i++) {
        struct phrase p = {.x = x};
        size_t len = strlen(terms[i]);
        if (len > (size_t)INT32_MAX || x->api.xTokenize(x->tok, &p, FTS5_TOKENIZE_QUERY, terms[i],
                                                        (int)len, on_query_token) != SQLITE_OK)
            return CS_ERR_UNAVAILABLE;
        /* A phrase without tokens is dropped by FTS5's parser; one with a token no row
         * has matches no row, so its IDF multiplies only zeros. */
        if (p.n == 0 || p.missing) continue;
        add_phrase(x, &p, group, avgdl, &ntouched);
    }
    *nhits = best(x, ntouched, limit, hits);
    return CS_OK;
}

void kbx_free(struct kbx *x)
{
    if (!x) return;
    clear(x);
    if (x->tok) x->api.xDelete(x->tok);
    sqlite3_finalize(x->stamp_q);
    sqlite3_finalize(x->rows_q);
    free(x->stamp);
    free(x->rows);
    free(x->toks);
    free(x->terms);
    free(x->slots);
    free(x->text);
    free(x);
}
