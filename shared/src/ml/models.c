/* Model bundle: the *.csm files of a directory a function uses, mapped once at cold
 * start (cs/models.h). */
#include "cs/models.h"

#include "cs/arena.h"
#include "cs/embed.h"
#include "cs/log.h"

#include <dirent.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A file on disk that the function did not declare (cs_models_open_only): only its
 * header and name were read at cold start. It is opened, fully validated, on its
 * first use, so an incomplete declaration costs time and a log line, never an answer. */
struct skipped {
    char name[CS_MODEL_NAME_MAX];
    char file[256];
    struct cs_model *_Atomic model;
    bool failed; /* under mu: the late open failed; answer as if there were no file */
};

struct lazy {
    pthread_mutex_t mu;
    char dir[4096];
    size_t n;
    struct skipped s[CS_MODELS_MAX];
    char embed_file[256]; /* "" when there is no undeclared *.cse */
    struct cs_embed *_Atomic embed;
    bool embed_failed;
};

struct cs_models {
    size_t n;
    struct cs_model *m[CS_MODELS_MAX];
    struct cs_embed *embed; /* the one *.cse file, if any */
    struct lazy *lazy;      /* NULL: every file was opened; shared by overlays */
};

static int has_suffix(const char *s, const char *suf)
{
    size_t n = strlen(s), k = strlen(suf);
    return n > k && strcmp(s + n - k, suf) == 0;
}

static int cmp_model(const void *a, const void *b)
{
    return strcmp(cs_model_name(*(struct cs_model *const *)a),
                  cs_model_name(*(struct cs_model *const *)b));
}

static void lazy_free(struct lazy *l)
{
    if (!l) return;
    for (size_t i = 0; i < l->n; i++) cs_model_close(atomic_load(&l->s[i].model));
    cs_embed_close(atomic_load(&l->embed));
    pthread_mutex_destroy(&l->mu);
    free(l);
}

void cs_models_close(struct cs_models *m)
{
    if (!m) return;
    for (size_t i = 0; i < m->n; i++) cs_model_close(m->m[i]);
    cs_embed_close(m->embed);
    lazy_free(m->lazy);
    free(m);
}

static bool declared(const char *const *names, const char *name)
{
    if (!names) return true;
    for (size_t i = 0; names[i]; i++)
        if (strcmp(names[i], name) == 0) return true;
    return false;
}

static struct cs_model *find(const struct cs_models *ms, const char *name)
{
    for (size_t i = 0; i < ms->n; i++)
        if (strcmp(cs_model_name(ms->m[i]), name) == 0) return ms->m[i];
    return NULL;
}

static struct skipped *find_skipped(const struct cs_models *ms, const char *name)
{
    if (!ms->lazy) return NULL;
    for (size_t i = 0; i < ms->lazy->n; i++)
        if (strcmp(ms->lazy->s[i].name, name) == 0) return &ms->lazy->s[i];
    return NULL;
}

static int lazy_of(struct cs_models *ms, const char *dir, struct lazy **out)
{
    if (!ms->lazy) {
        struct lazy *l = calloc(1, sizeof(*l));
        if (!l) return CS_ERR_NOMEM;
        if (snprintf(l->dir, sizeof(l->dir), "%s", dir) >= (int)sizeof(l->dir)) {
            free(l);
            return CS_ERR_IO;
        }
        pthread_mutex_init(&l->mu, NULL);
        ms->lazy = l;
    }
    *out = ms->lazy;
    return CS_OK;
}

static int add_embed(struct cs_models *ms, const char *dir, const char *file,
                     const char *const *names)
{
    if (ms->embed || (ms->lazy && ms->lazy->embed_file[0])) return CS_ERR_EXISTS;
    char path[4096];
    if (snprintf(path, sizeof(path), "%s/%s", dir, file) >= (int)sizeof(path)) return CS_ERR_IO;
    if (declared(names, CS_MODELS_EMBED)) return cs_embed_open(path, &ms->embed);
    struct lazy *l;
    int rc = lazy_of(ms, dir, &l);
    if (rc) return rc;
    if (snprintf(l->embed_file, sizeof(l->embed_file), "%s", file) >= (int)sizeof(l->embed_file))
        return CS_ERR_IO;
    return CS_OK;
}

/* Validating every model at every cold start was 40% of a function's start-up
 * instructions (issue 15): an undeclared file only has its name read. */
static int skip_file(struct cs_models *ms, const char *dir, const char *file,
                     const char name[CS_MODEL_NAME_MAX])
{
    if (find(ms, name) || find_skipped(ms, name)) return CS_ERR_EXISTS;
    struct lazy *l;
    int rc = lazy_of(ms, dir, &l);
    if (rc) return rc;
    if (l->n == CS_MODELS_MAX || ms->n + l->n >= CS_MODELS_MAX) return CS_ERR_INVALID;
    struct skipped *s = &l->s[l->n];
    if (snprintf(s->file, sizeof(s->file), "%s", file) >= (int)sizeof(s->file)) return CS_ERR_IO;
    memcpy(s->name, name, CS_MODEL_NAME_MAX);
    l->n++;
    return CS_OK;
}

static int add_file(struct cs_models *ms, const char *dir, const char *file,
                    const char *const *names)
{
    char path[4096];
    if (snprintf(path, sizeof(path), "%s/%s", dir, file) >= (int)sizeof(path)) return CS_ERR_IO;
    if (names) {
        /* the name inside the file decides, not the file name */
        char name[CS_MODEL_NAME_MAX];
        int rc = cs_model_peek_name(path, name);
        if (rc != CS_OK) return rc; /* unreadable name: it may be a declared model's file */
        if (!declared(names, name)) return skip_file(ms, dir, file, name);
    }
    if (ms->n == CS_MODELS_MAX || (ms->lazy && ms->n + ms->lazy->n >= CS_MODELS_MAX))
        return CS_ERR_INVALID;
    struct cs_model *m;
    int rc = cs_model_open(path, &m);
    if (rc != CS_OK) return rc;
    if (find(ms, cs_model_name(m)) || find_skipped(ms, cs_model_name(m))) {
        cs_model_close(m);
        return CS_ERR_EXISTS;
    }
    ms->m[ms->n++] = m;
    return CS_OK;
}

int cs_models_open_only(const char *dir, const char *const *names, struct cs_models **out)
{
    *out = NULL;
    DIR *d = opendir(dir);
    if (!d) return CS_ERR_IO;
    struct cs_models *ms = calloc(1, sizeof(*ms));
    int rc = ms ? CS_OK : CS_ERR_NOMEM;
    struct dirent *e;
    while (rc == CS_OK && (e = readdir(d)) != NULL)
        if (has_suffix(e->d_name, ".csm"))
            rc = add_file(ms, dir, e->d_name, names);
        else if (has_suffix(e->d_name, ".cse"))
            rc = add_embed(ms, dir, e->d_name, names);
    closedir(d);
    if (rc != CS_OK) {
        cs_models_close(ms);
        return rc;
    }
    /* name order: readdir order differs between filesystems */
    qsort(ms->m, ms->n, sizeof(ms->m[0]), cmp_model);
    *out = ms;
    return CS_OK;
}

int cs_models_open(const char *dir, struct cs_models **out)
{
    return cs_models_open_only(dir, NULL, out);
}

/* Said once per model and process (the open happens once); the test suites fail on
 * this line (tests/run.sh), so a declaration that misses a model is caught there. */
static void late(const char *name, int rc)
{
    cs_log(rc ? CS_LOG_ERROR : CS_LOG_WARN, CS_MODELS_UNDECLARED, "model", name, "error",
           rc ? cs_error_name(rc) : "none", NULL);
}

static const struct cs_model *open_late(struct lazy *l, struct skipped *s)
{
    struct cs_model *m = atomic_load(&s->model);
    if (m) return m;
    pthread_mutex_lock(&l->mu);
    m = atomic_load(&s->model);
    if (!m && !s->failed) {
        char path[4096 + 256];
        snprintf(path, sizeof(path), "%s/%s", l->dir, s->file);
        int rc = cs_model_open(path, &m);
        /* the file may have been replaced since: its name must still be the one read */
        if (rc == CS_OK && strcmp(cs_model_name(m), s->name) != 0) {
            cs_model_close(m);
            rc = CS_ERR_FORMAT;
        }
        if (rc != CS_OK) m = NULL;
        s->failed = rc != CS_OK;
        atomic_store(&s->model, m);
        late(s->name, rc);
    }
    pthread_mutex_unlock(&l->mu);
    return m;
}

const struct cs_model *cs_models_get(const struct cs_models *m, const char *name)
{
    if (!m || !name) return NULL;
    const struct cs_model *found = find(m, name);
    if (found) return found;
    struct skipped *s = find_skipped(m, name);
    return s ? open_late(m->lazy, s) : NULL;
}

static const struct cs_embed *embed_late(struct lazy *l)
{
    struct cs_embed *e = atomic_load(&l->embed);
    if (e || !l->embed_file[0]) return e;
    pthread_mutex_lock(&l->mu);
    e = atomic_load(&l->embed);
    if (!e && !l->embed_failed) {
        char path[4096 + 256];
        snprintf(path, sizeof(path), "%s/%s", l->dir, l->embed_file);
        int rc = cs_embed_open(path, &e);
        if (rc != CS_OK) e = NULL;
        l->embed_failed = rc != CS_OK;
        atomic_store(&l->embed, e);
        late(CS_MODELS_EMBED, rc);
    }
    pthread_mutex_unlock(&l->mu);
    return e;
}

int cs_models_overlay(struct cs_arena *a, const struct cs_models *base,
                      const struct cs_model *const *put, size_t n, const struct cs_models **out)
{
    struct cs_models *o = cs_arena_alloc(a, sizeof(*o));
    if (!o) return CS_ERR_NOMEM;
    *o = base ? *base : (struct cs_models){0};
    for (size_t k = 0; k < n; k++) {
        size_t i = 0;
        while (i < o->n && strcmp(cs_model_name(o->m[i]), cs_model_name(put[k])) != 0) i++;
        if (i == CS_MODELS_MAX) return CS_ERR_INVALID;
        if (i == o->n) o->n++;
        o->m[i] = (struct cs_model *)put[k]; /* borrowed: the overlay is never closed */
    }
    qsort(o->m, o->n, sizeof(o->m[0]), cmp_model);
    *out = o;
    return CS_OK;
}

size_t cs_models_count(const struct cs_models *m) { return m ? m->n : 0; }

const struct cs_embed *cs_models_embed(const struct cs_models *m)
{
    if (!m) return NULL;
    return m->embed || !m->lazy ? m->embed : embed_late(m->lazy);
}

const struct cs_model *cs_models_at(const struct cs_models *m, size_t i)
{
    return (m && i < m->n) ? m->m[i] : NULL;
}

struct cs_textfeat_vec *cs_models_scratch(void)
{
    static _Thread_local struct cs_textfeat_vec vec;
    return &vec;
}
