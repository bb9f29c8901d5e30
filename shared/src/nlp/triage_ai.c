/* Triage's category from the tenant's hosted AI provider, the built-in models as the
 * fallback (cs_triage_ask_provider, cs/triage.h). */
#include <stdio.h>
#include <string.h>

#include "cs/ai.h"
#include "cs/env.h"
#include "cs/http.h"
#include "nlp/triage_int.h"

int cs_triage_ask_provider(const struct cs_req *req, const struct cs_triage_policy *p,
                           const char *text, struct cs_triage *t)
{
    if (!req || !p || !text || !t) return CS_ERR_INVALID;
    if (!req->env || !req->env->ai) return CS_OK;
    struct cs_ai_call call;
    cs_ai_call_from_req(req, "triage", &call);
    if (!cs_ai_hosted_default(&call, CS_AI_CAP_CLASSIFY)) return CS_OK;
    /* the taxonomy is the prompt's category list; the layer asks for one JSON object of
     * scores over exactly these names and parses it (cs_ai_classify) */
    const char *codes[CS_CAT__COUNT];
    for (int i = 0; i < CS_CAT__COUNT; i++)
        codes[i] = cs_triage_category_code((enum cs_triage_category)i);
    struct cs_ai_classification c;
    if (cs_ai_classify(&call, NULL, text, codes, CS_CAT__COUNT, &c) != CS_OK || c.fallback ||
        !c.provider_id || strcmp(c.provider_id, CS_AI_BUILTIN_ID) == 0 || c.n == 0 ||
        !c.top_category)
        return CS_OK;
    int cat = cs_triage_category_parse(c.top_category);
    double score = c.scores[0].score;
    if (cat < 0 || !(score > 0.0 && score <= 1.0)) return CS_OK; /* outside the taxonomy */
    if ((enum cs_triage_category)cat != t->cat) {
        t->cat = (enum cs_triage_category)cat;
        snprintf(t->subcategory, sizeof(t->subcategory), "%s",
                 cs_triage_policy_category(p, t->cat)->subcategory);
    }
    t->confidence = (float)score;
    t->category_source = c.provider_id;
    triage_finish(p, t);
    return CS_OK;
}
