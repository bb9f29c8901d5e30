/* Model benchmark: load time of each model file and per-prediction time on a
 * ~300-character ticket, reported with its ratio to a baseline measured in the same
 * run (a plain tokenisation pass: counting words and lower-casing the same text), so
 * figures compare across machines.
 *
 *   models_bench [data/models]
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cs/embed.h"
#include "cs/cues.h"
#include "cs/lang.h"
#include "cs/models.h"
#include "cs/pii.h"
#include "cs/sentiment.h"
#include "cs/triage.h"

static const char TEXT[] =
    "Hi, I was charged twice for my subscription this month and the second payment still "
    "shows as pending on my card. I contacted you last week and nobody answered, which is "
    "really frustrating. Please refund the duplicate charge to my account as soon as "
    "possible or I will have to cancel. Thanks, Maria Garcia, +1 415 555 0123.";

/* 1 KiB of support mail dense with what the PII detector looks for (names in several
 * shapes, addresses as lines and as form fields, numbers), for the per-KiB figure. */
static const char PII_KB[] =
    "Hello team,\n\nMy name is Jean-Luc Picard and I moved last month. Please update my "
    "address from 42 Main Street, Apt 4, Springfield, IL 62704 to 0104 Hafnarstraeti 5\n "
    "Suite 179\n Akureyri\n Iceland 80296. My wife, Sra. Beatriz Okafor, also has an "
    "account (beatriz.okafor@example.com, +44 20 7946 0958). The card ending 4111 1111 "
    "1111 1111 was charged twice on 03/02/2024 and the refund never arrived; my IBAN is "
    "GB82 WEST 1234 5698 7654 32 if you need it. Herr Müller from your Berlin office said "
    "he would call me back on Friday, but nobody did. I also tried the chat with Dmitri "
    "and with a colleague of his, ana lucia, who told me to write here instead. The old "
    "flat at Mellemvej 32 still receives your letters; please stop sending them there.\n"
    "Could you also check the order shipped to 17151 2450 Crown St last week? The courier "
    "says nobody answered the door. If anything is unclear, my number is 415-555-0123.\n\n"
    "Thanks, maria\nMaria Garcia\nCustomer since 2015, account 00123456789\n";

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* CPU time of this process: the triage budget (150 us per ticket) is CPU, which a
 * shared machine's wall clock overstates. */
static double cpu_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static volatile unsigned sink;

static void baseline_pass(void)
{
    char low[sizeof(TEXT)];
    unsigned words = 0;
    for (size_t i = 0; i + 1 < sizeof(TEXT); i++) {
        char c = TEXT[i];
        low[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
        words += c == ' ';
    }
    sink += words + (unsigned)low[7];
}

#define ITERS 2000

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "data/models";
    size_t len = strlen(TEXT);
    double t0 = now_us();
    for (int i = 0; i < ITERS * 10; i++) baseline_pass();
    double base = (now_us() - t0) / (ITERS * 10);
    printf("baseline tokenisation pass (%zu chars): %.3f us\n", len, base);

    t0 = now_us();
    struct cs_models *ms;
    if (cs_models_open(dir, &ms) != CS_OK) {
        fprintf(stderr, "models_bench: cannot open %s\n", dir);
        return 1;
    }
    printf("cs_models_open (all %zu models): %.3f ms\n", cs_models_count(ms),
           (now_us() - t0) / 1e3);
    for (size_t i = 0; i < cs_models_count(ms); i++) {
        const struct cs_model *m = cs_models_at(ms, i);
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s.csm", dir, cs_model_name(m));
        struct cs_model *one;
        t0 = now_us();
        int rc = cs_model_open(path, &one);
        double load = now_us() - t0;
        if (rc != CS_OK) continue;
        double pred = 0;
        if (cs_model_kind(one) == CS_MODEL_TEXT) {
            struct cs_model_pred p;
            t0 = now_us();
            for (int k = 0; k < ITERS; k++)
                if (cs_model_predict_text(one, TEXT, len, cs_models_scratch(), &p) == CS_OK)
                    sink += p.top;
            pred = (now_us() - t0) / ITERS;
        } else if (cs_model_kind(one) == CS_MODEL_LEXICON) {
            struct cs_pii_result r;
            t0 = now_us();
            for (int k = 0; k < ITERS; k++)
                if (cs_pii_detect(one, TEXT, len, &r) == CS_OK) sink += (unsigned)r.n;
            pred = (now_us() - t0) / ITERS;
        }
        printf("%-18s size %8zu B  load %.3f ms  predict %7.2f us  (x%.0f baseline)\n",
               cs_model_name(one), cs_model_file_size(one), load / 1e3, pred, pred / base);
        cs_model_close(one);
    }
    /* PII per KiB of text, and the semantic embeddings */
    const struct cs_model *pii = cs_models_get(ms, "pii");
    size_t kb_len = strlen(PII_KB);
    if (pii) {
        struct cs_pii_result r;
        t0 = now_us();
        for (int k = 0; k < ITERS; k++)
            if (cs_pii_detect(pii, PII_KB, kb_len, &r) == CS_OK) sink += (unsigned)r.n;
        double us = (now_us() - t0) / ITERS;
        printf("cs_pii_detect on %zu bytes: %.2f us = %.2f us per KiB  (x%.0f baseline)\n", kb_len,
               us, us * 1024.0 / (double)kb_len, us / base);
    }
    char epath[4096];
    snprintf(epath, sizeof(epath), "%s/embed.cse", dir);
    struct cs_embed *em;
    t0 = now_us();
    if (cs_embed_open(epath, &em) == CS_OK) {
        double load = now_us() - t0;
        float v[CS_EMBED_MAX_DIMS];
        t0 = now_us();
        for (int k = 0; k < ITERS; k++)
            if (cs_embed_text(em, TEXT, len, cs_embed_dims(em), v) == CS_OK) sink += v[0] > 0;
        double us = (now_us() - t0) / ITERS;
        printf("embed.cse %zu words x %u dims: load %.3f ms, cs_embed_text %.2f us on the ticket  "
               "(x%.0f baseline)\n",
               cs_embed_vocab(em), cs_embed_dims(em), load / 1e3, us, us / base);
        cs_embed_close(em);
    }
    struct cs_triage_policy *p = NULL;
    struct cs_lang *lang = NULL;
    if (cs_triage_policy_load("data/policy/triage_default.json", &p) == CS_OK &&
        cs_lang_open("data/triage/languages.conf", "/usr/share/libexttextcat", &lang) == CS_OK) {
        struct cs_lang_result lr;
        t0 = now_us();
        for (int k = 0; k < ITERS; k++)
            if (cs_lang_detect(lang, TEXT, len, &lr) == CS_OK) sink += (unsigned)lr.code[0];
        double lus = (now_us() - t0) / ITERS;
        printf("cs_lang_detect (libexttextcat, 5 languages): %.2f us  (x%.0f baseline)\n", lus,
               lus / base);
        cs_triage_policy_set_lang(p, lang);
        struct cs_triage t;
        double c0 = cpu_us();
        t0 = now_us();
        for (int k = 0; k < ITERS; k++)
            if (cs_triage_ticket(ms, p, TEXT, len, &t) == CS_OK) sink += (unsigned)t.sla_hours;
        double us = (now_us() - t0) / ITERS, cpu = (cpu_us() - c0) / ITERS;
        printf("cs_triage_ticket (category + impact models, sentiment, cues, language; shipped "
               "policy): "
               "%.2f us wall, %.2f us CPU  (x%.0f baseline)\n",
               us, cpu, us / base);
        struct cs_cues cues;
        c0 = cpu_us();
        for (int k = 0; k < ITERS; k++) {
            cs_cues_scan(TEXT, len, &cues);
            sink += (unsigned)cues.legal;
        }
        printf("  of which cs_cues_scan: %.2f us CPU\n", (cpu_us() - c0) / ITERS);
    }
    cs_triage_policy_destroy(p);
    cs_models_close(ms);
    return 0;
}
