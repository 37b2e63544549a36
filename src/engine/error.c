/* Building cql_error values that say what happened and where. */
#include "engine/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void set_host(cql_error_box *e, const char *host)
{
    snprintf(e->host, sizeof e->host, "%s", host ? host : "");
    e->pub.host = e->host;
}

void cql_error_clear(cql_error_box *e)
{
    cql_response_free(e->server_response);
    e->server_response = NULL;
    e->message[0] = '\0';
    e->host[0] = '\0';
    e->pub = (cql_error){.rc = CQL_OK, .message = e->message, .host = e->host};
}

void *cql_alloc_with_error_box(size_t size, size_t box_offset)
{
    char *p = malloc(size);
    if (p == NULL)
        return NULL;
    size_t after = box_offset + sizeof(cql_error_box);
    memset(p, 0, box_offset);
    memset(p + after, 0, size - after);
    cql_error_box *e = (cql_error_box *)(void *)(p + box_offset);
    e->server_response = NULL;
    cql_error_clear(e);
    return p;
}

/* Empties e, then its message from fmt and its host. */
static void set_head(cql_error_box *e, const char *host, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
static void set_head(cql_error_box *e, const char *host, const char *fmt, va_list ap)
{
    cql_error_clear(e);
    vsnprintf(e->message, sizeof e->message, fmt, ap);
    set_host(e, host);
}

void cql_error_set(cql_error_box *e, cql_rc rc, cql_error_category category, const char *host,
                   const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    set_head(e, host, fmt, ap);
    va_end(ap);
    e->pub.rc = rc;
    e->pub.category = category;
}

void cql_error_set_server(cql_error_box *e, const char *host, cql_response *error_response,
                          const char *context)
{
    cql_error_clear(e);
    const cql_server_error *se = cql_response_error(error_response);
    set_host(e, host);
    e->pub.rc = CQL_E_SERVER;
    e->pub.category = CQL_ERRCAT_SERVER;
    if (se == NULL) { /* not an ERROR: a caller's mistake, said plainly */
        cql_response_free(error_response);
        snprintf(e->message, sizeof e->message, "server error from %s: (not an ERROR response)",
                 e->host);
        return;
    }
    e->server_response = error_response;
    e->pub.server = se;
    int msg_len = se->message.len > 300 ? 300 : (int)se->message.len;
    snprintf(e->message, sizeof e->message, "%s%sserver error from %s: %s (0x%04x): %.*s",
             context ? context : "", context ? ": " : "", e->host[0] ? e->host : "the server",
             cql_error_code_str(se->code), (unsigned)se->code, msg_len,
             se->message.ptr ? se->message.ptr : "");
}

void cql_error_set_server_code(cql_error_box *e, const char *host, int32_t code, const char *text,
                               const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    set_head(e, host, fmt, ap);
    va_end(ap);
    snprintf(e->server_text, sizeof e->server_text, "%s", text ? text : "");
    e->server_copy = (cql_server_error){
        .code = code,
        .message = {e->server_text, strlen(e->server_text)},
        .contentions = -1,
    };
    e->pub.rc = CQL_E_SERVER;
    e->pub.category = CQL_ERRCAT_SERVER;
    e->pub.server = &e->server_copy;
}

/* dst := src's status, message and host (dst's strings point into dst);
 * the server part is left to the caller. */
static void copy_head(cql_error_box *dst, const cql_error_box *src)
{
    cql_error_clear(dst);
    memcpy(dst->message, src->message, sizeof dst->message);
    memcpy(dst->host, src->host, sizeof dst->host);
    dst->pub = src->pub;
    dst->pub.message = dst->message;
    dst->pub.host = dst->host;
}

void cql_error_move(cql_error_box *dst, cql_error_box *src)
{
    copy_head(dst, src);
    dst->server_response = src->server_response;
    src->server_response = NULL;
    if (src->pub.server == &src->server_copy) { /* it points into the box: follow it */
        memcpy(dst->server_text, src->server_text, sizeof dst->server_text);
        dst->server_copy = src->server_copy;
        dst->server_copy.message.ptr = dst->server_text;
        dst->pub.server = &dst->server_copy;
    }
    cql_error_clear(src);
}

void cql_error_copy(cql_error_box *dst, const cql_error_box *src)
{
    copy_head(dst, src);
    dst->pub.server = NULL;
    if (src->pub.server != NULL) { /* the code and the text only */
        const cql_str text = src->pub.server->message;
        size_t n = text.len < sizeof dst->server_text - 1 ? text.len : sizeof dst->server_text - 1;
        if (n > 0)
            memcpy(dst->server_text, text.ptr, n);
        dst->server_text[n] = '\0';
        dst->server_copy = (cql_server_error){
            .code = src->pub.server->code,
            .message = {dst->server_text, n},
            .contentions = -1,
        };
        dst->pub.server = &dst->server_copy;
    }
}
