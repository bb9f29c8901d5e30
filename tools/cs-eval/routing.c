/* cs-eval: end-to-end triage routing between the intent models.
 *
 * For the validation rows (--dev: development rows) of BOTH intent sets, the text goes
 * through cs_intent_route twice: "before", every intent model runs and the most
 * confident answers (the rule triage used before the gate); "after", the domain gate
 * (CS_INTENT_GATE) picks the model. A row is routed correctly when the answering
 * model is the set's own model AND its intent is the gold intent. Also printed: the
 * share answered by the right model, the share whose triage route (category,
 * subcategory, team from the policy) equals the gold intent's route, and the ECE of
 * the reported confidence against "routed correctly" (15 bins), per set and overall.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs/csv.h"
#include "cs/intent.h"
#include "cs/triage.h"
#include "eval_int.h"

struct route_set {
    const char *model, *file, *text_col, *label_col;
};

static const struct route_set SETS[] = {
    {"intent-banking77", "banking77/train.csv", "text", "category"},
    {"intent-support", "bitext_customer_support/train.csv", "instruction", "intent"},
};
#define NSETS (sizeof(SETS) / sizeof(SETS[0]))

enum { NBIN = 15 };

struct tally {
    size_t n, ok, model_ok, route_ok;
    double bin_n[NBIN], bin_ok[NBIN], bin_conf[NBIN];
};

static void tally_add(struct tally *t, int model_ok, int ok, int route_ok, float conf)
{
    t->n++;
    t->ok += ok;
    t->model_ok += model_ok;
    t->route_ok += route_ok;
    int b = (int)(conf * NBIN);
    b = b < 0 ? 0 : b >= NBIN ? NBIN - 1 : b;
    t->bin_n[b] += 1.0;
    t->bin_ok[b] += ok;
    t->bin_conf[b] += conf;
}

static void tally_merge(struct tally *into, const struct tally *t)
{
    into->n += t->n, into->ok += t->ok, into->model_ok += t->model_ok,
        into->route_ok += t->route_ok;
    for (int b = 0; b < NBIN; b++) {
        into->bin_n[b] += t->bin_n[b];
        into->bin_ok[b] += t->bin_ok[b];
        into->bin_conf[b] += t->bin_conf[b];
    }
}

static void tally_print(const char *set, const char *rule, const struct tally *t)
{
    double n = t->n ? (double)t->n : 1.0, ece = 0.0;
    for (int b = 0; b < NBIN; b++)
        if (t->bin_n[b] > 0) {
            double gap = (t->bin_conf[b] - t->bin_ok[b]) / t->bin_n[b];
            ece += t->bin_n[b] * (gap < 0 ? -gap : gap);
        }
    printf("    %-17s %-6s n=%-5zu routed-correct=%.4f right-model=%.4f same-route=%.4f ECE=%.4f\n",
           set, rule, t->n, t->ok / n, t->model_ok / n, t->route_ok / n, ece / n);
}

/* 1 when the policy sends the predicted intent where it sends the gold one. */
static int same_route(const struct cs_triage_policy *p, const char *gold, const char *pred)
{
    if (!p) return 0;
    const struct cs_triage_route *a = cs_triage_policy_route(p, gold);
    const struct cs_triage_route *b = cs_triage_policy_route(p, pred);
    return strcmp(a->category, b->category) == 0 && strcmp(a->subcategory, b->subcategory) == 0 &&
           strcmp(a->team, b->team) == 0;
}

int eval_routing(const struct cs_models *ms, const char *data, const char *policy, int dev)
{
    const struct cs_model *gate = cs_models_get(ms, CS_INTENT_GATE);
    const struct cs_model *models[NSETS];
    for (size_t s = 0; s < NSETS; s++) {
        models[s] = cs_models_get(ms, SETS[s].model);
        if (!models[s]) {
            printf("routing            skipped (model %s missing)\n", SETS[s].model);
            return 1;
        }
    }
    struct cs_triage_policy *pol = NULL;
    if (cs_triage_policy_load(policy, &pol) != CS_OK)
        printf("routing            (policy %s unreadable: same-route not measured)\n", policy);
    printf("routing            intent models %s + %s, %s rows of both sets\n", SETS[0].model,
           SETS[1].model, dev ? "development" : "validation");
    printf("    before = most confident model answers; after = gate %s picks the model%s\n",
           CS_INTENT_GATE, gate ? "" : " (MISSING: after = before)");
    struct tally t[NSETS][2], all[2];
    memset(t, 0, sizeof(t));
    memset(all, 0, sizeof(all));
    int rc = 0;
    for (size_t s = 0; s < NSETS && rc == 0; s++) {
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", data, SETS[s].file);
        struct cs_csv *csv;
        if (cs_csv_read_file(path, &csv) != CS_OK) {
            printf("routing            skipped (%s missing)\n", path);
            rc = 1;
            break;
        }
        int tc = cs_csv_column(csv, SETS[s].text_col), lc = cs_csv_column(csv, SETS[s].label_col);
        for (size_t r = 0; tc >= 0 && lc >= 0 && r < cs_csv_rows(csv); r++) {
            size_t len;
            const char *text = cs_csv_cell(csv, r, (size_t)tc, &len);
            if (!(dev ? cs_textfeat_is_dev(text, len) : cs_textfeat_is_validation(text, len)))
                continue;
            const char *gold = cs_csv_cell(csv, r, (size_t)lc, NULL);
            for (int rule = 0; rule < 2; rule++) {
                struct cs_intent in;
                if (cs_intent_route(rule ? gate : NULL, models, NSETS, text, len, &in) != CS_OK) {
                    rc = 1;
                    break;
                }
                int model_ok = strcmp(in.model, SETS[s].model) == 0;
                int ok = model_ok && strcmp(in.intent, gold) == 0;
                tally_add(&t[s][rule], model_ok, ok, same_route(pol, gold, in.intent),
                          in.confidence);
            }
        }
        cs_csv_destroy(csv);
        for (int rule = 0; rule < 2; rule++) tally_merge(&all[rule], &t[s][rule]);
    }
    for (size_t s = 0; s < NSETS && rc == 0; s++)
        for (int rule = 0; rule < 2; rule++)
            tally_print(SETS[s].model, rule ? "after" : "before", &t[s][rule]);
    for (int rule = 0; rule < 2 && rc == 0; rule++)
        tally_print("overall", rule ? "after" : "before", &all[rule]);
    cs_triage_policy_destroy(pol);
    return rc || !gate;
}
