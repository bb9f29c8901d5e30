/* Policy check run on every generated reply (seed 004 `policy_check`).
 *
 * Looks at two texts: the reply about to be sent (refund/credit promises, SLA or
 * timeline mentions, PII leaking out) and the customer's message (escalation cues,
 * prompt-injection attempts). Pure and allocation-free: issue strings are static.
 *
 * Compliance levels (the worst finding wins):
 *   failed  - a refund/credit promise above the authority limit, a promise when the
 *             tier has no refund authority (limit <= 0), or PII in the reply;
 *   warning - a promise whose amount is not stated, a prompt-injection attempt, or a
 *             legal/regulatory or safety cue in the customer text (needs a human);
 *   passed  - anything else. Other escalation cues (manager request, cancellation
 *             threat, repeated contact, social media) set escalation_needed and add an
 *             issue string without lowering compliance: the reply itself is fine, the
 *             ticket just needs routing.
 *
 * A promise is a first-person commitment ("we will refund", "I've issued a credit",
 * "you'll receive a refund of $40", "a refund has been processed"). Statements of
 * policy ("refunds are processed within 5-7 days"), negations ("we cannot refund") and
 * sentences opening with a condition ("if", "should", "in case", "provided", "unless")
 * are information, not promises.
 */
#ifndef CS_POLICY_H
#define CS_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "cs/error.h"

#define CS_POLICY_MAX_ISSUES 16

enum cs_policy_compliance {
    CS_POLICY_PASSED = 0,
    CS_POLICY_WARNING,
    CS_POLICY_FAILED,
};

struct cs_policy_opts {
    /* Largest refund/credit (in the reply's currency units) this tier may promise;
     * <= 0 means the tier may not promise refunds at all. */
    double refund_limit;
    /* Comma-separated e-mail domains the reply may contain (e.g. the company's own
     * "example.com"); subdomains match. NULL: none. */
    const char *allowed_email_domains;
    /* Texts whose own e-mail addresses the reply may repeat verbatim (e.g. the
     * knowledge-base passages a draft quotes); any other address still fails. */
    const char *const *allowed_email_sources;
    size_t n_allowed_email_sources;
};

struct cs_policy_result {
    bool refund_promise;
    bool refund_over_limit;
    double refund_amount; /* largest promised amount found; 0 when none stated */
    bool sla_mentioned;
    bool escalation_needed;
    bool pii_leak;
    bool prompt_injection;
    enum cs_policy_compliance compliance;
    const char *issues[CS_POLICY_MAX_ISSUES]; /* static strings; never freed */
    size_t n_issues;                          /* 0: report `issues` as null */
};

/* Seed spelling: "passed", "warning" or "failed". Never NULL. */
const char *cs_policy_compliance_name(enum cs_policy_compliance c);

/* Checks `reply` (the draft about to go out) and `customer_text` (may be NULL) into
 * `out`. `opts` NULL means a limit of 0 and no allowed e-mail domains. Both texts are
 * treated as UTF-8 but need not be valid; nothing is retained.
 * Errors: CS_ERR_INVALID when `reply` or `out` is NULL (then `*out` is zeroed if
 * non-NULL). */
CS_MUST_CHECK int cs_policy_check(const char *reply, const char *customer_text,
                                  const struct cs_policy_opts *opts, struct cs_policy_result *out);

#endif
