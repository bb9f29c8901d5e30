/* Internals shared by model.c and train.c (shared/src/ml and the offline trainer in tools/lib only). */
#ifndef CS_MODEL_INT_H
#define CS_MODEL_INT_H

#include "cs/textfeat.h"

/* Replaces the counts in v by sublinear TF-IDF values, L2-normalised:
 * (1 + ln tf) * idf[bucket] / norm. The one weighting used by training and inference. */
void cs_model_weigh(const float *idf, struct cs_textfeat_vec *v);

#endif
