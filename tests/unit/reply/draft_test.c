/* Unit tests for cs/draft.h: sentence choice, citations, tone, the no-KB path. */
#include "cs/draft.h"

#include "../../support/test.h"
#include "cs/arena.h"
#include "cs/kb.h"
#include "cs/policy.h"

static const struct cs_passage PASSAGES[] = {
    {"KB-1001", "KB-1001-c-0", "Duplicate or double charges", NULL, NULL,
     "Why was I charged twice? A second charge for the same subscription period is usually a "
     "pending card authorisation that drops off within 3-5 business days. If both charges "
     "settle on your statement, open Settings > Billing and compare the invoice numbers. "
     "Our office is closed on public holidays.",
     0.82},
    {"KB-2002", "KB-2002-c-0", "Resetting your password", NULL, NULL,
     "Use the Forgot password link on the sign-in page to get a reset email. The link expires "
     "after 30 minutes.",
     0.41},
    {"KB-3003", "KB-3003-c-1", "Tracking a delivery", NULL, NULL,
     "Tracking numbers appear in the shipping confirmation email once the parcel leaves our "
     "warehouse.",
     0.35},
};

static const char *TICKET = "I was charged twice for my subscription this month. Please help!";

static struct cs_draft_input input(const struct cs_passage *ps, size_t n, const char *sent)
{
    struct cs_draft_input in = {
        .customer_name = "John Doe",
        .ticket_text = TICKET,
        .triage = {"Billing", "Duplicate Charge", sent, "P2", "Finance Team", 24},
        .passages = ps,
        .n_passages = n,
    };
    return in;
}

static struct cs_arena *arena(void)
{
    struct cs_arena *a = cs_arena_new(0);
    if (!a) abort();
    return a;
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle)) n++;
    return n;
}

/* Every [marker] in body names a used passage's doc_id, and every used passage is cited. */
static bool markers_match_used(const struct cs_draft *d, const struct cs_passage *ps)
{
    size_t markers = 0;
    for (const char *p = strchr(d->body, '['); p; p = strchr(p + 1, '[')) {
        const char *e = strchr(p, ']');
        if (!e) return false;
        bool found = false;
        for (size_t k = 0; k < d->n_used; k++) {
            const char *id = ps[d->used[k]].doc_id;
            if (strlen(id) == (size_t)(e - p - 1) && strncmp(p + 1, id, strlen(id)) == 0)
                found = true;
        }
        if (!found) return false;
        markers++;
    }
    for (size_t k = 0; k < d->n_used; k++) {
        char m[CS_KB_DOC_ID_MAX + 3];
        snprintf(m, sizeof m, "[%s]", ps[d->used[k]].doc_id);
        if (!strstr(d->body, m)) return false;
    }
    return markers > 0 || d->n_used == 0;
}

static void test_cites_only_used(void)
{
    struct cs_arena *a = arena();
    struct cs_draft_input in = input(PASSAGES, 3, "frustrated");
    struct cs_draft d;
    REQUIRE(cs_draft_build(a, &in, NULL, &d) == CS_OK);
    CHECK(d.kb_answer);
    CHECK_INT(d.n_used, 1);
    CHECK_INT(d.used[0], 0);
    CHECK(markers_match_used(&d, PASSAGES));
    CHECK(strstr(d.body, "[KB-1001]") != NULL);
    CHECK(strstr(d.body, "KB-2002") == NULL);
    CHECK(strstr(d.body, "KB-3003") == NULL);
    /* The relevant sentence is quoted verbatim; the FAQ heading and the unrelated
     * sentence are not. */
    CHECK(strstr(d.body, "pending card authorisation that drops off within 3-5 business days."));
    CHECK(strstr(d.body, "Why was I charged twice") == NULL);
    CHECK(strstr(d.body, "public holidays") == NULL);
    CHECK(strstr(d.body, "duplicate charge issue"));
    CHECK(strstr(d.body, "Finance Team will follow up within 24 hours."));
    CHECK_STR(d.greeting, "Dear John Doe,");
    CHECK_STR(d.tone, "empathetic_professional");
    CHECK(strstr(d.closing, "Best regards,\nCustomer Support Team") != NULL);
    cs_arena_destroy(a);
}

static void test_tone_and_greeting(void)
{
    struct cs_arena *a = arena();
    struct cs_draft d;
    struct cs_draft_input in = input(PASSAGES, 3, "positive");
    REQUIRE(cs_draft_build(a, &in, NULL, &d) == CS_OK);
    CHECK_STR(d.tone, "casual");
    CHECK_STR(d.greeting, "Hi John,");
    CHECK(strstr(d.closing, "Cheers,"));

    in = input(PASSAGES, 3, "NEUTRAL");
    REQUIRE(cs_draft_build(a, &in, NULL, &d) == CS_OK);
    CHECK_STR(d.tone, "formal");
    CHECK_STR(d.greeting, "Dear John Doe,");
    CHECK(strstr(d.closing, "Kind regards,"));

    in.customer_name = "  \t ";
    struct cs_draft_opts o = {.tone = CS_DRAFT_TONE_CASUAL};
    REQUIRE(cs_draft_build(a, &in, &o, &d) == CS_OK);
    CHECK_STR(d.greeting, "Hi there,");
    in.customer_name = NULL;
    REQUIRE(cs_draft_build(a, &in, NULL, &d) == CS_OK);
    CHECK_STR(d.greeting, "Dear Customer,");

    CHECK_INT(cs_draft_tone_for("angry", "P2"), CS_DRAFT_TONE_EMPATHETIC_PROFESSIONAL);
    CHECK_INT(cs_draft_tone_for("IRATE", NULL), CS_DRAFT_TONE_EMPATHETIC_PROFESSIONAL);
    CHECK_INT(cs_draft_tone_for("neutral", "P1"), CS_DRAFT_TONE_EMPATHETIC_PROFESSIONAL);
    CHECK_INT(cs_draft_tone_for("neutral", "P3"), CS_DRAFT_TONE_FORMAL);
    CHECK_INT(cs_draft_tone_for("happy", NULL), CS_DRAFT_TONE_CASUAL);
    CHECK_INT(cs_draft_tone_for(NULL, NULL), CS_DRAFT_TONE_EMPATHETIC_PROFESSIONAL);
    CHECK_INT(cs_draft_tone_for("bewildered", NULL), CS_DRAFT_TONE_EMPATHETIC_PROFESSIONAL);
    cs_arena_destroy(a);
}

/* With no topic (no category or subcategory) every tone still opens with a sentence. */
static void test_opening_without_topic(void)
{
    struct cs_arena *a = arena();
    static const struct {
        enum cs_draft_tone tone;
        const char *sentiment, *opening;
    } cases[] = {
        {CS_DRAFT_TONE_FORMAL, NULL, "Thank you for contacting us."},
        {CS_DRAFT_TONE_CASUAL, NULL, "Thanks for reaching out!"},
        {CS_DRAFT_TONE_EMPATHETIC_PROFESSIONAL, "angry",
         "I'm truly sorry about this, and I completely understand why you are upset."},
        {CS_DRAFT_TONE_EMPATHETIC_PROFESSIONAL, "frustrated",
         "I'm really sorry to hear that. I understand how frustrating this must be."},
        {CS_DRAFT_TONE_EMPATHETIC_PROFESSIONAL, NULL,
         "I understand your concern, and I'm sorry for the inconvenience."},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct cs_draft_input in = {.ticket_text = TICKET,
                                    .triage = {.sentiment = cases[i].sentiment},
                                    .passages = PASSAGES,
                                    .n_passages = 3};
        struct cs_draft_opts o = {.tone = cases[i].tone};
        struct cs_draft d;
        REQUIRE(cs_draft_build(a, &in, &o, &d) == CS_OK);
        if (strncmp(d.body, cases[i].opening, strlen(cases[i].opening)) != 0)
            fprintf(stderr, "  opening: %s\n", d.body);
        CHECK(strncmp(d.body, cases[i].opening, strlen(cases[i].opening)) == 0);
        CHECK(!strstr(d.body, "your this"));
    }
    /* A topic still reads as before. */
    struct cs_draft_input in = input(PASSAGES, 3, "neutral");
    struct cs_draft_opts o = {.tone = CS_DRAFT_TONE_FORMAL};
    struct cs_draft d;
    REQUIRE(cs_draft_build(a, &in, &o, &d) == CS_OK);
    CHECK(strncmp(d.body, "Thank you for contacting us about your duplicate charge issue.", 62) ==
          0);
    cs_arena_destroy(a);
}

/* A label that already names a kind of case is not followed by another "issue". */
static void test_topic_names_a_case(void)
{
    struct cs_arena *a = arena();
    static const struct {
        const char *subcategory, *opening;
    } cases[] = {
        {"Technical Issue", "Thank you for contacting us about your technical issue."},
        {"Cancellation Request", "Thank you for contacting us about your cancellation request."},
        {"Defective Product", "Thank you for contacting us about your defective product issue."},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct cs_draft_input in = input(PASSAGES, 3, "neutral");
        in.triage.subcategory = cases[i].subcategory;
        struct cs_draft_opts o = {.tone = CS_DRAFT_TONE_FORMAL};
        struct cs_draft d;
        REQUIRE(cs_draft_build(a, &in, &o, &d) == CS_OK);
        if (strncmp(d.body, cases[i].opening, strlen(cases[i].opening)) != 0)
            fprintf(stderr, "  opening: %s\n", d.body);
        CHECK(strncmp(d.body, cases[i].opening, strlen(cases[i].opening)) == 0);
        CHECK(!strstr(d.body, "issue issue") && !strstr(d.body, "request issue"));
    }
    cs_arena_destroy(a);
}

/* A thank-you ticket gets an acknowledgement: no article, no request for details. */
static void test_thank_you_ticket(void)
{
    struct cs_arena *a = arena();
    struct cs_draft_input in = input(PASSAGES, 3, "positive");
    in.ticket_text = "Thank you, that worked perfectly!";
    struct cs_draft d;
    REQUIRE(cs_draft_build(a, &in, NULL, &d) == CS_OK);
    CHECK(strstr(d.body, "lad that's sorted") != NULL);
    CHECK(!d.kb_answer && d.n_used == 0 && !strchr(d.body, '['));
    CHECK(!strstr(d.body, "couldn't find") && !strstr(d.body, "details"));
    CHECK(strstr(d.closing, "Customer Support Team") != NULL);
    /* A thanks with a problem left open is answered as a ticket. */
    in.ticket_text = "Thanks, but I was still charged twice for my subscription.";
    REQUIRE(cs_draft_build(a, &in, NULL, &d) == CS_OK);
    CHECK(!strstr(d.body, "lad that's sorted"));
    cs_arena_destroy(a);
}

static void test_no_relevant_passage(void)
{
    struct cs_arena *a = arena();
    struct cs_draft d;
    /* Scores below the threshold: not quoted even though the words match. */
    struct cs_passage low[3];
    memcpy(low, PASSAGES, sizeof low);
    for (int i = 0; i < 3; i++) low[i].score = 0.1;
    struct cs_draft_input in = input(low, 3, "frustrated");
    REQUIRE(cs_draft_build(a, &in, NULL, &d) == CS_OK);
    CHECK(!d.kb_answer);
    CHECK_INT(d.n_used, 0);
    CHECK(strchr(d.body, '[') == NULL);
    CHECK(strstr(d.body, "couldn't find a help-centre article that covers this"));
    CHECK(strstr(d.body, "our Finance Team can look into it"));
    /* Nothing was passed on when a draft is written: no action is reported, and no
     * timeline is promised for one. */
    CHECK(strstr(d.body, "passed") == NULL);
    CHECK(strstr(d.body, "within 24 hours") == NULL);

    /* High scores but nothing about the ticket: honest answer too. */
    in = input(PASSAGES + 1, 2, "angry");
    REQUIRE(cs_draft_build(a, &in, NULL, &d) == CS_OK);
    CHECK(!d.kb_answer);
    CHECK_INT(d.n_used, 0);
    CHECK(strstr(d.body, "completely understand why you are upset"));

    /* No passages at all, no SLA: no timeline is invented. */
    in = input(NULL, 0, "neutral");
    in.triage.sla_hours = 0;
    in.triage.suggested_team = NULL;
    REQUIRE(cs_draft_build(a, &in, NULL, &d) == CS_OK);
    CHECK(!d.kb_answer);
    CHECK(strstr(d.body, "our support team can look into it."));
    CHECK(strstr(d.body, "within") == NULL);

    /* Without an article nothing has been routed yet: no SLA is promised either. */
    in = input(NULL, 0, "neutral");
    in.triage.sla_hours = 72;
    REQUIRE(cs_draft_build(a, &in, NULL, &d) == CS_OK);
    CHECK(strstr(d.body, "within") == NULL);
    CHECK(strstr(d.body, "3 days") == NULL);
    cs_arena_destroy(a);
}

static void test_overlapping_chunks_quoted_once(void)
{
    /* Two chunks of one article share a sentence (chunk overlap). */
    static const struct cs_passage ps[] = {
        {"KB-1001", "KB-1001-c-0", "Duplicate charges", NULL, NULL,
         "Duplicate charges for a subscription are refunded automatically by the card issuer "
         "after the authorisation expires.",
         0.7},
        {"KB-1001", "KB-1001-c-1", "Duplicate charges", NULL, NULL,
         "Duplicate charges for a subscription are refunded automatically by the card issuer "
         "after the authorisation expires. Contact your bank if a duplicate charge is still "
         "pending after seven days.",
         0.6},
        {"KB-4004", "KB-4004-c-0", "Subscription invoices", NULL, NULL,
         "Every subscription charge has its own invoice, so a duplicate charge shows up as two "
         "invoice numbers.",
         0.5},
    };
    struct cs_arena *a = arena();
    struct cs_draft d;
    struct cs_draft_input in = input(ps, 3, "frustrated");
    struct cs_draft_opts o = {.max_sentences = 5};
    REQUIRE(cs_draft_build(a, &in, &o, &d) == CS_OK);
    CHECK(d.kb_answer);
    CHECK_INT(count(d.body, "refunded automatically"), 1);
    CHECK(markers_match_used(&d, ps));
    CHECK_INT(d.n_used, 3);
    /* Reading order follows retrieval rank. */
    const char *p1 = strstr(d.body, "[KB-1001]"), *p4 = strstr(d.body, "[KB-4004]");
    CHECK(p1 && p4 && p1 < p4);

    o.max_sentences = 1;
    REQUIRE(cs_draft_build(a, &in, &o, &d) == CS_OK);
    CHECK_INT(d.n_used, 1);
    CHECK(markers_match_used(&d, ps));
    CHECK_INT(count(d.body, "["), 1);
    cs_arena_destroy(a);
}

static void test_forged_markers_rejected(void)
{
    static const struct cs_passage ps[] = {
        {"KB 9]", "x", "Bad id", NULL, NULL,
         "Duplicate subscription charges are reversed by the bank.", 0.9},
        {"KB-5005", "KB-5005-c-0", "Brackets", NULL, NULL,
         "A duplicate subscription charge [see KB-9999] is reversed by the bank.", 0.9},
    };
    struct cs_arena *a = arena();
    struct cs_draft d;
    struct cs_draft_input in = input(ps, 2, "frustrated");
    in.triage.subcategory = "Duplicate [KB-7777] Charge\n";
    in.triage.suggested_team = "Finance]Team";
    REQUIRE(cs_draft_build(a, &in, NULL, &d) == CS_OK);
    CHECK(!d.kb_answer);
    CHECK_INT(d.n_used, 0);
    CHECK(strchr(d.body, '[') == NULL && strchr(d.body, ']') == NULL);
    CHECK(strstr(d.body, "FinanceTeam"));
    cs_arena_destroy(a);
}

static void test_utf8_name_truncation(void)
{
    char name[400];
    size_t o = 0;
    while (o + 2 < 300) {
        memcpy(name + o, "\xC3\xA9", 2);
        o += 2;
    }
    name[o] = '\0';
    struct cs_arena *a = arena();
    struct cs_draft d;
    struct cs_draft_input in = input(PASSAGES, 3, "neutral");
    in.customer_name = name;
    REQUIRE(cs_draft_build(a, &in, NULL, &d) == CS_OK);
    CHECK(strlen(d.greeting) <= 5 + 80 + 1);
    CHECK(cs_kb_text_valid(d.greeting, strlen(d.greeting)));
    in.customer_name = "Bad\xC3"; /* invalid UTF-8: dropped, not echoed */
    REQUIRE(cs_draft_build(a, &in, NULL, &d) == CS_OK);
    CHECK_STR(d.greeting, "Dear Customer,");
    cs_arena_destroy(a);
}

static void test_draft_passes_policy(void)
{
    struct cs_arena *a = arena();
    struct cs_draft d;
    struct cs_draft_input in = input(PASSAGES, 3, "frustrated");
    REQUIRE(cs_draft_build(a, &in, NULL, &d) == CS_OK);
    struct cs_policy_opts po = {.allowed_email_domains = "example.com"};
    struct cs_policy_result r;
    REQUIRE(cs_policy_check(d.body, in.ticket_text, &po, &r) == CS_OK);
    CHECK(!r.refund_promise);
    CHECK(r.sla_mentioned);
    CHECK_STR(cs_policy_compliance_name(r.compliance), "passed");
    cs_arena_destroy(a);
}

static void test_errors(void)
{
    struct cs_arena *a = arena();
    struct cs_draft d;
    struct cs_draft_input in = input(PASSAGES, 3, "frustrated");
    CHECK_INT(cs_draft_build(NULL, &in, NULL, &d), CS_ERR_INVALID);
    CHECK_INT(cs_draft_build(a, NULL, NULL, &d), CS_ERR_INVALID);
    CHECK_INT(cs_draft_build(a, &in, NULL, NULL), CS_ERR_INVALID);
    struct cs_draft_opts bad = {.max_sentences = CS_DRAFT_MAX_USED + 1};
    CHECK_INT(cs_draft_build(a, &in, &bad, &d), CS_ERR_INVALID);
    struct cs_draft_input nop = input(NULL, 2, "x");
    CHECK_INT(cs_draft_build(a, &nop, NULL, &d), CS_ERR_INVALID);
    /* Out of memory at every allocation point: an error, never a half-built draft. */
    for (unsigned n = 1; n < 12; n++) {
        cs_arena_reset(a);
        cs_arena_fail_after(a, n);
        int rc = cs_draft_build(a, &in, NULL, &d);
        CHECK(rc == CS_OK || rc == CS_ERR_NOMEM);
        if (rc) CHECK(d.body == NULL && d.greeting == NULL && d.n_used == 0);
        cs_arena_fail_after(a, 0);
    }
    cs_arena_destroy(a);
}

int main(void)
{
    /* See policy_test.c: keeps gcc's format-overflow check quiet about the harness. */
    test_skip_why_ = "";
    TEST_RUN(test_cites_only_used);
    TEST_RUN(test_tone_and_greeting);
    TEST_RUN(test_opening_without_topic);
    TEST_RUN(test_topic_names_a_case);
    TEST_RUN(test_thank_you_ticket);
    TEST_RUN(test_no_relevant_passage);
    TEST_RUN(test_overlapping_chunks_quoted_once);
    TEST_RUN(test_forged_markers_rejected);
    TEST_RUN(test_utf8_name_truncation);
    TEST_RUN(test_draft_passes_policy);
    TEST_RUN(test_errors);
    return test_done();
}
