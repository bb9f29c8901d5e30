/* Shared between the cs-eval tool's files. */
#ifndef CS_EVAL_INT_H
#define CS_EVAL_INT_H

/* StackFAQ P@1 / MRR / R@5 through cs_retrieval_*; 0 when it ran, 1 when skipped. */
int eval_retrieval(const char *data);

#endif
