#include "cs/csv.h"

#include <string.h>

#include "../../support/test.h"

static void test_quotes_and_newlines(void)
{
    const char *d = "text,label\r\n\"a, \"\"quoted\"\"\nline\",x\nplain,y\n\n";
    struct cs_csv *c;
    REQUIRE(cs_csv_parse(d, strlen(d), &c) == CS_OK);
    CHECK_INT(cs_csv_rows(c), 2);
    CHECK_INT(cs_csv_column(c, "label"), 1);
    CHECK_STR(cs_csv_cell(c, 0, 0, NULL), "a, \"quoted\"\nline");
    CHECK_STR(cs_csv_cell(c, 1, 1, NULL), "y");
    CHECK_STR(cs_csv_cell(c, 9, 9, NULL), "");
    cs_csv_destroy(c);
}

static void test_ragged_rejected(void)
{
    struct cs_csv *c;
    CHECK_INT(cs_csv_parse("a,b\n1\n", 6, &c), CS_ERR_FORMAT);
    CHECK_INT(cs_csv_read_file("/nonexistent.csv", &c), CS_ERR_IO);
}

int main(void)
{
    TEST_RUN(test_quotes_and_newlines);
    TEST_RUN(test_ragged_rejected);
    return test_done();
}
