/* Model bundle: every *.csm in a directory, mapped once at cold start (cs/models.h). */
#include "cs/models.h"

#include "cs/arena.h"
#include "cs/embed.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct cs_models {
    size_t n;
    struct cs_model *m[CS_MODELS_MAX];
    struct cs_embed *embed; /* the one *.cse file, if any */
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

void cs_models_close(struct cs_models *m)
{
    if (!m) return;
    for (size_t i = 0; i < m->n; i++) cs_model_close(m->m[i]);
    cs_embed_close(m->embed);
    free(m);
}

static int add_embed(struct cs_models *ms, const char *dir, const char *file)
{
    char path[4096];
    if (snprintf(path, sizeof(path), "%s/%s", dir, file) >= (int)sizeof(path)) return CS_ERR_IO;
    if (ms->embed) return CS_ERR_EXISTS;
    return cs_embed_open(path, &ms->embed);
}

static int add_file(struct cs_models *ms, const char *dir, const char *file)
{
    char path[4096];
    if (snprintf(path, sizeof(path), "%s/%s", dir, file) >= (int)sizeof(path)) return CS_ERR_IO;
    if (ms->n == CS_MODELS_MAX) return CS_ERR_INVALID;
    struct cs_model *m;
    int rc = cs_model_open(path, &m);
    if (rc != CS_OK) return rc;
    if (cs_models_get(ms, cs_model_name(m))) {
        cs_model_close(m);
        return CS_ERR_EXISTS;
    }
    ms->m[ms->n++] = m;
    return CS_OK;
}

int cs_models_open(const char *dir, struct cs_models **out)
{
    *out = NULL;
    DIR *d = opendir(dir);
    if (!d) return CS_ERR_IO;
    struct cs_models *ms = calloc(1, sizeof(*ms));
    int rc = ms ? CS_OK : CS_ERR_NOMEM;
    struct dirent *e;
    while (rc == CS_OK && (e = readdir(d)) != NULL)
        if (has_suffix(e->d_name, ".csm"))
            rc = add_file(ms, dir, e->d_name);
        else if (has_suffix(e->d_name, ".cse"))
            rc = add_embed(ms, dir, e->d_name);
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

const struct cs_model *cs_models_get(const struct cs_models *m, const char *name)
{
    if (!m || !name) return NULL;
    for (size_t i = 0; i < m->n; i++)
        if (strcmp(cs_model_name(m->m[i]), name) == 0) return m->m[i];
    return NULL;
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

const struct cs_embed *cs_models_embed(const struct cs_models *m) { return m ? m->embed : NULL; }

const struct cs_model *cs_models_at(const struct cs_models *m, size_t i)
{
    return (m && i < m->n) ? m->m[i] : NULL;
}

struct cs_textfeat_vec *cs_models_scratch(void)
{
    static _Thread_local struct cs_textfeat_vec vec;
    return &vec;
}
