/* Local invoke: `build.sh invoke FUNCTION events/FILE.json` runs one API Gateway event
 * through the same path as Lambda and prints the response event. */
#include <stdio.h>
#include <string.h>

#include "cs/app.h"
#include "cs/arena.h"
#include "cs/buf.h"
#include "cs/env.h"
#include "cs/function.h"
#include "runtime.h"

static int read_file(struct cs_arena *a, const char *path, struct cs_buf *b)
{
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    cs_buf_init(b, a, CS_RT_MAX_EVENT);
    char chunk[8192];
    size_t n;
    int rc = 0;
    while (!rc && (n = fread(chunk, 1, sizeof(chunk), f)) > 0) rc = cs_buf_append(b, chunk, n);
    fclose(f);
    return rc;
}

int cs_rt_invoke(struct cs_env *env, const char *event_path)
{
    struct cs_worker w;
    const char *why;
    if (cs_worker_init(&w, env, &why)) {
        fprintf(stderr, "init failed: %s\n", why);
        return 1;
    }
    struct cs_buf ev;
    struct cs_req req;
    struct cs_resp resp;
    memset(&req, 0, sizeof(req));
    memset(&resp, 0, sizeof(resp));
    int version = 2, rc = 1;
    if (read_file(w.arena, event_path, &ev) != 0) {
        fprintf(stderr, "cannot read %s\n", event_path);
    } else if (env->fn->run) {
        const char *out = NULL;
        size_t len = 0;
        const char *task_error = NULL;
        int src = cs_rt_scheduled(&w, cs_buf_str(&ev), ev.len, 0, &out, &len, &task_error);
        if (task_error) {
            fprintf(stderr, "%s: %s\n", task_error, cs_error_name(src));
        } else if (src == CS_ERR_BAD_REQUEST || !out) {
            fprintf(stderr, "%s is not an EventBridge scheduled event\n", event_path);
        } else {
            fwrite(out, 1, len, stdout);
            fputc('\n', stdout);
            rc = src == CS_OK ? 0 : 1;
        }
    } else if (cs_event_to_req(w.arena, cs_buf_str(&ev), ev.len, &req, &version) != 0) {
        fprintf(stderr, "%s is not an API Gateway proxy event\n", event_path);
    } else {
        cs_app_handle(&w, &req, &resp);
        const char *out;
        size_t len;
        if (cs_event_from_resp(w.arena, &resp, version, &out, &len) == 0) {
            fwrite(out, 1, len, stdout);
            fputc('\n', stdout);
            rc = 0;
        }
    }
    cs_worker_clean_up(&w);
    return rc;
}
