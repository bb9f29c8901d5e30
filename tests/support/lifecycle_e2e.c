#include "lifecycle_e2e.h"

#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

const char *const lc_labels[3] = {"negative", "neutral", "positive"};
const char *const lc_fruit[3] = {"durian", "quince", "kumquat"};

bool lc_envelope_ok(const struct http_result *r, int status)
{
    bool error = json_object_get_boolean(jget(r->json, "error"));
    long long code = jint(r->json, "status_code");
    if (r->status == status && error == (status != 200) && code == status) return true;
    fprintf(stderr, "  envelope: HTTP %ld, error %d, status_code %lld; expected %d\n", r->status,
            (int)error, code, status);
    return false;
}

size_t lc_count_files(const char *dir)
{
    DIR *d = opendir(dir);
    size_t n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) n += e->d_name[0] != '.';
    if (d) closedir(d);
    return n;
}

const char *lc_poll_job(const char *auth, const char *id, struct http_result *r)
{
    char path[160];
    snprintf(path, sizeof(path), "/api/v1/ai/training-job/%s", id);
    for (int i = 0; i < 1200; i++) {
        if (e2e_call(auth, "GET", path, NULL, r) != 0) return NULL;
        const char *st = jstr(r->json, "data.status");
        if (st && strcmp(st, "STARTING") != 0 && strcmp(st, "IN_PROGRESS") != 0) return st;
        http_result_free(r);
        usleep(100 * 1000);
    }
    return NULL;
}
