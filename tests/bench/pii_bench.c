/* PII scan per kilobyte of message (it runs on the message path): cs_pii_detect with the
 * shipped name lexicon on a ~1 KB support thread with names, addresses, numbers and
 * ordinary prose, and on a ~1 KB message with no PII at all, in thread CPU time, with
 * the ratio to a baseline measured in the same run (a lower-casing and word-counting
 * pass over the same text) so figures compare across machines and commits.
 *
 *   cc -O2 -std=gnu11 -D_GNU_SOURCE -Ishared/include tests/bench/pii_bench.c \
 *      build/release/lib/libcs.a $(pkg-config --libs json-c libsodium libcurl sqlite3) \
 *      -lpthread -lm -o /tmp/pii_bench
 *   /tmp/pii_bench [data/models]        (build.sh bench runs it)
 */
#include <stdio.h>
#include <string.h>

#include "cs/models.h"
#include "cs/pii.h"

static const char WITH_PII[] =
    "Hi team, this is Maria Gonzalez again (order 55-10293). I moved last month and the "
    "replacement blender still went to my old place. My new address is 42 Main Street, Apt 4, "
    "Springfield, IL 62704; the old one was Rua do Arenque 1634, Goiania. Please update the "
    "billing address for card 4111 1111 1111 1111 as well. You can call me on +1-202-555-0143 "
    "or mail maria.gonzalez@example.com. My husband, Dr. Peter Novak, placed the first order "
    "from his account, so if you see that name it is the same household. Last time your agent "
    "Sue said she would escalate, and nothing happened for a week. I'm not angry, just tired "
    "of repeating myself. If it helps, my date of birth is 12/03/1980 and the IBAN for the "
    "refund is DE89 3704 0044 0532 0130 00. Please confirm once the address is changed and "
    "tell me when the new blender ships.\n\nThanks,\nmaria\n\n> On Monday, John Smith wrote:\n"
    "> We have sent a replacement to 17 Elm Road, Leeds LS1 4AB.";

static const char NO_PII[] =
    "Hello, I have a question about the premium plan. We are a team of twelve and we would "
    "like to know whether the shared inbox can be split by department, and whether the reports "
    "can be exported every Monday morning to a spreadsheet. Last year we used another tool that "
    "did this, but it was slow and the search never found older tickets. Is there a limit on "
    "how many saved replies we can create, and can they include images? We also need the "
    "replies in Spanish and German for two of our markets. The trial ends next Friday, so an "
    "answer before then would be great. Another question: when a ticket is reopened after it "
    "was closed, does it keep its original priority or does it start again as normal? We "
    "would also like to set working hours per team so that the timers pause at night. Thank "
    "you for your help, and have a good week. Best regards from the operations team.";

static volatile unsigned sink;

static void baseline_pass(const char *t, size_t n)
{
    char low[1600];
    unsigned words = 0;
    for (size_t i = 0; i < n && i < sizeof(low); i++) {
        char c = t[i];
        low[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
        words += c == ' ';
    }
    sink += words + (unsigned)low[7];
}

#define ITERS 500
#define ROUNDS 9

#include "fastest.h"

static int one(const struct cs_model *names, const char *label, const char *t)
{
    size_t n = strlen(t);
    struct cs_pii_result r;
    if (cs_pii_detect(names, t, n, &r) != CS_OK) return 1;
    double base, scan;
    TIME(base, baseline_pass(t, n));
    TIME(scan, sink += (unsigned)cs_pii_detect(names, t, n, &r) + (unsigned)r.n);
    printf("cs_pii_detect, %-8s %4zu bytes, %2zu spans: %7.2f us, %6.2f us per KB  (x%.0f "
           "baseline)\n",
           label, n, r.n, scan, scan * 1024.0 / (double)n, scan / base);
    return 0;
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "data/models";
    struct cs_models *ms;
    if (cs_models_open(dir, &ms) != CS_OK) {
        fprintf(stderr, "pii_bench: cannot open %s\n", dir);
        return 1;
    }
    const struct cs_model *names = cs_models_get(ms, "pii");
    int rc = one(names, "with PII", WITH_PII) | one(names, "no PII", NO_PII);
    cs_models_close(ms);
    return rc;
}
