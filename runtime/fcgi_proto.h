/* FastCGI record format (FastCGI 1.0 specification): the parser for what the web server
 * sends on one connection and the encoder for the answer. No I/O here: runtime/fcgi.c
 * feeds it the bytes it reads, and the fuzz target feeds it anything. */
#ifndef CS_FCGI_PROTO_H
#define CS_FCGI_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cs_arena;

#define CS_FCGI_HEADER_LEN 8
/* One record at most: header, 65535 bytes of content, 255 of padding. */
#define CS_FCGI_RECORD_MAX (CS_FCGI_HEADER_LEN + 65535 + 255)
/* The request's name-value pairs together; nginx sends a few kB. */
#define CS_FCGI_PARAMS_MAX ((size_t)1 << 20)

enum cs_fcgi_feed_rc {
    CS_FCGI_ERROR = -1,    /* not FastCGI or a broken record: close the connection */
    CS_FCGI_NEED_MORE = 0, /* every complete record consumed; read more */
    CS_FCGI_READY = 1,     /* a whole request is in (params and stdin); serve it */
};

/* One connection's parse state; its buffers are reused by the next request. */
struct cs_fcgi_in {
    uint16_t id;    /* the request in progress, 0 when none */
    bool keep_conn; /* FCGI_KEEP_CONN: the server keeps the connection afterwards */
    bool params_done;
    bool body_over; /* more stdin than body_limit; body holds the first body_limit bytes */
    char *params;
    size_t params_len, params_cap;
    char *body;
    size_t body_len, body_cap;
    size_t body_total; /* stdin bytes received, kept or not */
    size_t body_limit;
    /* Records to send back that belong to no request being served (management
     * answers, refused requests); the caller writes and clears them. */
    unsigned char reply[512];
    size_t reply_len;
};

void cs_fcgi_in_init(struct cs_fcgi_in *in, size_t body_limit);
void cs_fcgi_in_free(struct cs_fcgi_in *in);
/* Forgets the served request, keeping the buffers. */
void cs_fcgi_in_next(struct cs_fcgi_in *in);

/* Consumes the complete records at the start of buf[0..len) and sets *used to the bytes
 * consumed; stops right after the record that completes a request (CS_FCGI_READY). */
enum cs_fcgi_feed_rc cs_fcgi_feed(struct cs_fcgi_in *in, const unsigned char *buf, size_t len,
                                  size_t *used);

/* The request's name-value pairs as a NULL-terminated "NAME=VALUE" array in `a`, the
 * shape cs_rt_req_from_params reads. Pairs whose name is empty or holds '=' or NUL, or
 * whose value holds NUL, are left out. NULL on malformed pairs or no memory. */
char **cs_fcgi_envp(struct cs_arena *a, const char *params, size_t len);

/* A growable output buffer of records (heap; reused between requests). */
struct cs_fcgi_out {
    unsigned char *p;
    size_t len, cap;
};

/* Appends STDOUT records carrying data (none when n is 0). */
int cs_fcgi_put_stdout(struct cs_fcgi_out *o, uint16_t id, const void *data, size_t n);
/* Appends the empty STDOUT record and END_REQUEST (request complete, app status 0). */
int cs_fcgi_put_end(struct cs_fcgi_out *o, uint16_t id);
void cs_fcgi_out_free(struct cs_fcgi_out *o);

#endif
