/* Shared between the embedding trainer's files (embed.c, embed_proj.c). */
#ifndef CS_TRAIN_EMBED_INT_H
#define CS_TRAIN_EMBED_INT_H

#include <stddef.h>
#include <stdint.h>

struct cs_embed;

/* Intent-labelled texts for the supervised map (embed_proj.c). */
struct emb_labelled {
    char **text;
    uint32_t *label; /* index into labels */
    uint8_t *tune;   /* 1: a tuning row, left out of the fit (--cv K) */
    size_t n, cap;
    char *labels[4096]; /* "file index:label" */
    uint32_t n_labels;
};

struct emb_map_opts {
    double shrink; /* Sw += shrink * mean variance * I */
    double power;  /* direction weight: between/within eigenvalue ^ power */
};

/* "FILE.csv:TEXTCOL:LABELCOL" or "FILE.jsonl:TEXTKEY:LABELKEY"; src numbers the file. */
int emb_read_labelled(struct emb_labelled *L, const char *spec, int src);
/* Marks rows whose text hash is 0 mod k as tuning rows (k = 0: none). */
int emb_mark_tuning(struct emb_labelled *L, uint32_t k);
void emb_labelled_free(struct emb_labelled *L);
/* The map m[d][d] from e's sentence vectors of the non-tuning rows. */
int emb_fit_map(const struct cs_embed *e, struct emb_labelled *L, const struct emb_map_opts *o,
                double *m);
/* Prints the tuning pairs' figures for e (the rows marked tune). */
void emb_tune_report(const struct cs_embed *e, const struct emb_labelled *L, const char *tag);

/* Cyclic Jacobi on the symmetric a[L][L]: eigenvalues on the diagonal, eigenvectors in
 * the columns of v (embed.c). */
void emb_jacobi(double *a, double *v, uint32_t L);

#endif
