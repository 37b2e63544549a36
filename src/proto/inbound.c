/*
 * Byte stream to envelopes; see inbound.h for the contract.
 *
 * Received bytes sit in data[start..end). A frame is only parsed once all of it is there
 * (at most 128 KiB + 12 bytes), so its CRC32 is checked before any envelope in it is
 * believed. A self-contained frame stays in the buffer (or, when compressed, in `scratch`)
 * while next() hands out its envelopes one by one. Split envelopes, and bare envelopes in
 * CQL_WIRE_ENVELOPES mode, are instead moved into the envelope under assembly as their
 * bytes arrive, so the receive buffer never has to hold a large envelope whole.
 */
#include "proto/inbound.h"

#include "proto/frame.h"

#include <stdlib.h>
#include <string.h>

#define SPACE_DEFAULT ((size_t)16 * 1024)
/* Capacity kept after a burst: two maximal frames, so steady traffic never reallocates. */
#define BUF_KEEP ((size_t)256 * 1024)
/* First allocation of an envelope body that arrives piecemeal; it doubles from there. */
#define BODY_FIRST ((size_t)16 * 1024)

struct cql_inbound {
    uint8_t *data;
    size_t start, end, cap;
    size_t base; /* stream offset of data[0] */
    uint32_t max_body;
    cql_wire wire;
    bool body_lz4;
    cql_diag err; /* sticky: rc != CQL_OK after the first error */

    /* The self-contained frame whose envelopes are being handed out. */
    bool frame_open;
    bool frame_in_buf;   /* payload at data[start + frame_head], else in scratch */
    size_t frame_head;   /* its header size (the wire mode may change meanwhile) */
    size_t frame_size;   /* its wire size, consumed once its last envelope is out */
    size_t pl_len, pl_pos;
    size_t pl_at;        /* stream offset of payload byte 0, or of the frame if compressed */
    uint8_t *scratch;    /* CQL_FRAME_MAX_PAYLOAD bytes once an LZ4 payload was seen */

    /* The envelope under assembly: a bare one, or one split over frames. */
    uint8_t head[CQL_ENVELOPE_HEADER_SIZE]; /* split only: header bytes so far */
    size_t head_have;
    size_t head_exact;   /* leading header bytes that lie at env_at + i in the stream */
    cql_envelope *env;   /* allocated once the header is known */
    size_t body_have, body_cap;
    size_t env_at;       /* stream offset of its first byte, or of its first frame */
    cql_wire env_wire;   /* the mode it started under */
};

static cql_rc fail(cql_inbound *in, cql_rc rc, size_t at, const char *what)
{
    if (in->err.rc == CQL_OK) {
        in->err.rc = rc;
        in->err.offset = at;
        in->err.what = what;
    }
    return in->err.rc;
}

static size_t stream_at(const cql_inbound *in) { return in->base + in->start; }

static void consume(cql_inbound *in, size_t n)
{
    in->start += n;
    if (in->start == in->end) {
        in->base += in->start;
        in->start = in->end = 0;
    }
}

void cql_envelope_free(cql_envelope *e) { free(e); }

cql_inbound *cql_inbound_new(const cql_limits *limits)
{
    cql_inbound *in = calloc(1, sizeof *in);
    if (in == NULL)
        return NULL;
    in->max_body = limits != NULL && limits->max_body != 0 ? limits->max_body
                                                           : CQL_ENVELOPE_MAX_BODY;
    in->wire = CQL_WIRE_ENVELOPES;
    return in;
}

void cql_inbound_free(cql_inbound *in)
{
    if (in == NULL)
        return;
    free(in->data);
    free(in->scratch);
    free(in->env);
    free(in);
}

void cql_inbound_set_wire(cql_inbound *in, cql_wire wire)
{
    if (in == NULL)
        return;
    if (wire != CQL_WIRE_ENVELOPES && wire != CQL_WIRE_FRAMES && wire != CQL_WIRE_FRAMES_LZ4) {
        fail(in, CQL_E_ARG, stream_at(in), "inbound: unknown wire mode");
        return;
    }
    in->wire = wire;
}

void cql_inbound_set_body_lz4(cql_inbound *in, bool on)
{
    if (in != NULL)
        in->body_lz4 = on;
}

/* After an error nothing will be parsed again: received bytes are dropped, not hoarded. */
static void discard(cql_inbound *in)
{
    in->base += in->end;
    in->start = in->end = 0;
    in->frame_open = false;
}

uint8_t *cql_inbound_space(cql_inbound *in, size_t min, size_t *cap)
{
    if (cap != NULL)
        *cap = 0;
    if (in == NULL || cap == NULL)
        return NULL;
    if (in->err.rc != CQL_OK)
        discard(in);
    size_t want = min != 0 ? min : SPACE_DEFAULT;
    /* Compacting moves at most one partial frame or header: cheap next to receiving it. */
    if (in->start > 0 && (in->cap - in->end < want || in->cap > BUF_KEEP)) {
        memmove(in->data, in->data + in->start, in->end - in->start);
        in->base += in->start;
        in->end -= in->start;
        in->start = 0;
    }
    if (want > SIZE_MAX - in->end)
        return NULL;
    size_t need = in->end + want;
    size_t newcap = in->cap;
    if (need > in->cap) {
        newcap = in->cap != 0 ? in->cap : SPACE_DEFAULT;
        while (newcap < need)
            newcap = newcap > SIZE_MAX / 2 ? need : newcap * 2;
    } else if (in->cap > BUF_KEEP && need <= in->cap / 4) {
        newcap = need > BUF_KEEP ? need : BUF_KEEP; /* give back what a burst took */
    }
    if (newcap != in->cap) {
        uint8_t *data = realloc(in->data, newcap);
        if (data == NULL && newcap > in->cap)
            return NULL;
        if (data != NULL) {
            in->data = data;
            in->cap = newcap;
        }
    }
    *cap = in->cap - in->end;
    return in->data + in->end;
}

void cql_inbound_commit(cql_inbound *in, size_t n)
{
    if (in == NULL)
        return;
    if (n > in->cap - in->end) {
        fail(in, CQL_E_ARG, stream_at(in), "inbound: commit of more bytes than space offered");
        return;
    }
    in->end += n;
    if (in->err.rc != CQL_OK)
        discard(in);
}

cql_rc cql_inbound_feed(cql_inbound *in, const uint8_t *data, size_t len)
{
    if (in == NULL || (data == NULL && len != 0))
        return CQL_E_ARG;
    if (in->err.rc != CQL_OK)
        return in->err.rc;
    if (len == 0)
        return CQL_OK;
    size_t cap;
    uint8_t *p = cql_inbound_space(in, len, &cap);
    if (p == NULL)
        return CQL_E_NOMEM;
    memcpy(p, data, len);
    in->end += len;
    return CQL_OK;
}

/* The struct and the body in one block, so one free() releases both. The header is taken
 * by value because it may live in `old`, which realloc can move. */
static cql_envelope *envelope_alloc(cql_envelope *old, cql_envelope_header h, size_t cap)
{
    cql_envelope *e = realloc(old, sizeof *e + cap);
    if (e == NULL)
        return NULL;
    e->header = h;
    e->body = (uint8_t *)(e + 1);
    return e;
}

/* Starts assembling an envelope whose header is known; `soon` bytes of its body are already
 * here. The body is allocated for those, not for the announced length. */
static bool assembly_begin(cql_inbound *in, const cql_envelope_header *h, size_t soon)
{
    size_t cap = soon > BODY_FIRST ? soon : BODY_FIRST;
    if (cap > h->length)
        cap = h->length;
    in->env = envelope_alloc(NULL, *h, cap);
    if (in->env == NULL) {
        fail(in, CQL_E_NOMEM, in->env_at, "inbound: allocating an envelope");
        return false;
    }
    in->body_have = 0;
    in->body_cap = cap;
    return true;
}

static bool assembly_append(cql_inbound *in, const uint8_t *p, size_t n)
{
    size_t need = in->body_have + n; /* never above header.length: callers clip n */
    if (need > in->body_cap) {
        size_t cap = in->body_cap * 2 > need ? in->body_cap * 2 : need;
        if (cap > in->env->header.length)
            cap = in->env->header.length;
        cql_envelope *e = envelope_alloc(in->env, in->env->header, cap);
        if (e == NULL) {
            fail(in, CQL_E_NOMEM, in->env_at, "inbound: growing an envelope");
            return false;
        }
        in->env = e;
        in->body_cap = cap;
    }
    if (n > 0)
        memcpy(in->env->body + in->body_have, p, n);
    in->body_have = need;
    return true;
}

static bool assembly_done(const cql_inbound *in)
{
    return in->env != NULL && in->body_have == in->env->header.length;
}

/* Hands an envelope over. Bare envelopes may carry a v4 compressed body; in framed modes v5
 * §2.4 says the compression flag is ignored, so it is cleared rather than left to mislead. */
static bool deliver(cql_inbound *in, cql_envelope *e, bool framed, size_t body_at,
                    cql_envelope **out)
{
    if (framed || !in->body_lz4 || !(e->header.flags & CQL_FLAG_COMPRESSION)) {
        if (framed)
            e->header.flags &= (uint8_t)~CQL_FLAG_COMPRESSION;
        *out = e;
        return true;
    }
    uint32_t size = 0;
    cql_diag d;
    if (cql_body_lz4_size(e->body, e->header.length, in->max_body, &size, &d) != CQL_OK) {
        free(e);
        fail(in, d.rc, body_at + d.offset, d.what);
        return false;
    }
    cql_envelope *plain = envelope_alloc(NULL, e->header, size);
    if (plain == NULL) {
        free(e);
        fail(in, CQL_E_NOMEM, body_at, "inbound: allocating a decompressed body");
        return false;
    }
    if (cql_body_lz4_decompress(e->body, e->header.length, plain->body, size, &d) != CQL_OK) {
        free(e);
        free(plain);
        fail(in, d.rc, body_at + d.offset, d.what);
        return false;
    }
    free(e);
    plain->header.length = size;
    plain->header.flags &= (uint8_t)~CQL_FLAG_COMPRESSION;
    *out = plain;
    return true;
}

static bool deliver_assembled(cql_inbound *in, cql_envelope **out)
{
    cql_envelope *e = in->env;
    bool framed = in->env_wire != CQL_WIRE_ENVELOPES;
    in->env = NULL;
    in->head_have = 0;
    in->body_have = in->body_cap = 0;
    return deliver(in, e, framed, in->env_at + CQL_ENVELOPE_HEADER_SIZE, out);
}

/* CQL_WIRE_ENVELOPES: moves what has arrived of the current envelope into it. */
static bool step_bare(cql_inbound *in, cql_envelope **out)
{
    size_t avail = in->end - in->start;
    if (in->env == NULL) {
        cql_envelope_header h;
        cql_diag d;
        if (avail < CQL_ENVELOPE_HEADER_SIZE)
            return false;
        if (cql_envelope_header_decode(in->data + in->start, avail, in->max_body, &h, &d) !=
            CQL_OK) {
            fail(in, d.rc, stream_at(in) + d.offset, d.what);
            return false;
        }
        in->env_at = stream_at(in);
        in->env_wire = CQL_WIRE_ENVELOPES;
        if (!assembly_begin(in, &h, avail - CQL_ENVELOPE_HEADER_SIZE))
            return false;
        consume(in, CQL_ENVELOPE_HEADER_SIZE);
        avail -= CQL_ENVELOPE_HEADER_SIZE;
    }
    size_t n = in->env->header.length - in->body_have;
    if (n > avail)
        n = avail;
    if (n > 0) {
        if (!assembly_append(in, in->data + in->start, n))
            return false;
        consume(in, n);
    }
    if (!assembly_done(in))
        return false;
    return deliver_assembled(in, out);
}

/* One part of a split envelope: the payload of a non-self-contained frame at frame_at. */
static bool absorb_part(cql_inbound *in, const uint8_t *p, size_t n, size_t frame_at,
                        size_t exact_at, bool exact)
{
    if (in->env == NULL && in->head_have == 0) {
        in->env_at = exact ? exact_at : frame_at;
        in->env_wire = in->wire;
        in->head_exact = 0;
    }
    if (in->env == NULL) {
        size_t take = CQL_ENVELOPE_HEADER_SIZE - in->head_have;
        if (take > n)
            take = n;
        if (take > 0)
            memcpy(in->head + in->head_have, p, take);
        if (exact && in->head_exact == in->head_have && in->env_at + in->head_have == exact_at)
            in->head_exact += take;
        in->head_have += take;
        p += take;
        n -= take;
        if (in->head_have < CQL_ENVELOPE_HEADER_SIZE)
            return true;
        cql_envelope_header h;
        cql_diag d;
        if (cql_envelope_header_decode(in->head, CQL_ENVELOPE_HEADER_SIZE, in->max_body, &h,
                                       &d) != CQL_OK) {
            fail(in, d.rc, in->env_at + (d.offset < in->head_exact ? d.offset : 0), d.what);
            return false;
        }
        if (!assembly_begin(in, &h, n))
            return false;
    }
    if (n > in->env->header.length - in->body_have) {
        fail(in, CQL_E_PROTOCOL, frame_at, "frame: a split envelope ends before its frame does");
        return false;
    }
    return assembly_append(in, p, n);
}

/* CQL_WIRE_FRAMES[_LZ4]: checks and takes in the next whole frame. */
static bool step_frame(cql_inbound *in, cql_envelope **out)
{
    bool lz4 = in->wire == CQL_WIRE_FRAMES_LZ4;
    size_t head = cql_frame_header_size(lz4);
    size_t avail = in->end - in->start;
    size_t at = stream_at(in);
    cql_frame_header h;
    cql_diag d;
    if (avail < head)
        return false;
    const uint8_t *frame = in->data + in->start;
    if (cql_frame_header_decode(frame, avail, lz4, &h, &d) != CQL_OK) {
        fail(in, d.rc, at + d.offset, d.what);
        return false;
    }
    if (h.self_contained && (in->env != NULL || in->head_have > 0)) {
        fail(in, CQL_E_PROTOCOL, at,
             "frame: self-contained frame in the middle of a split envelope");
        return false;
    }
    size_t size = cql_frame_size(&h, lz4);
    if (avail < size)
        return false;
    bool compressed = lz4 && h.uncompressed_len != 0;
    if (compressed && in->scratch == NULL) {
        in->scratch = malloc(CQL_FRAME_MAX_PAYLOAD);
        if (in->scratch == NULL) {
            fail(in, CQL_E_NOMEM, at, "inbound: allocating the LZ4 frame buffer");
            return false;
        }
    }
    const uint8_t *payload = NULL;
    size_t len = 0;
    if (cql_frame_payload(frame, size, lz4, &h, in->scratch, &payload, &len, &d) != CQL_OK) {
        fail(in, d.rc, at + d.offset, d.what);
        return false;
    }
    if (!h.self_contained) {
        if (!absorb_part(in, payload, len, at, at + head, !compressed))
            return false;
        consume(in, size);
        return assembly_done(in) ? deliver_assembled(in, out) : true;
    }
    if (len == 0) {
        consume(in, size);
        return true;
    }
    in->frame_open = true;
    in->frame_in_buf = !compressed;
    in->frame_head = head;
    in->frame_size = size;
    in->pl_len = len;
    in->pl_pos = 0;
    in->pl_at = compressed ? at : at + head;
    if (compressed)
        consume(in, size); /* the payload now lives in scratch */
    return true;
}

/* The next envelope of the open self-contained frame, which must hold it whole. */
static bool step_in_frame(cql_inbound *in, cql_envelope **out)
{
    const uint8_t *payload =
        in->frame_in_buf ? in->data + in->start + in->frame_head : in->scratch;
    const uint8_t *p = payload + in->pl_pos;
    size_t left = in->pl_len - in->pl_pos;
    size_t at = in->pl_at + (in->frame_in_buf ? in->pl_pos : 0);
    cql_envelope_header h;
    cql_diag d;
    cql_rc rc = cql_envelope_header_decode(p, left, in->max_body, &h, &d);
    size_t field = in->frame_in_buf ? d.offset : 0;
    if (rc == CQL_E_TRUNCATED) {
        fail(in, CQL_E_PROTOCOL, at + field,
             "frame: self-contained frame ends inside an envelope header");
        return false;
    }
    if (rc != CQL_OK) {
        fail(in, rc, at + field, d.what);
        return false;
    }
    if (h.length > left - CQL_ENVELOPE_HEADER_SIZE) {
        fail(in, CQL_E_PROTOCOL, at, "frame: self-contained frame ends inside an envelope body");
        return false;
    }
    cql_envelope *e = envelope_alloc(NULL, h, h.length);
    if (e == NULL) {
        fail(in, CQL_E_NOMEM, at, "inbound: allocating an envelope");
        return false;
    }
    if (h.length > 0)
        memcpy(e->body, p + CQL_ENVELOPE_HEADER_SIZE, h.length);
    in->pl_pos += CQL_ENVELOPE_HEADER_SIZE + (size_t)h.length;
    if (in->pl_pos == in->pl_len) {
        in->frame_open = false;
        if (in->frame_in_buf)
            consume(in, in->frame_size);
    }
    return deliver(in, e, true, at + CQL_ENVELOPE_HEADER_SIZE, out);
}

cql_rc cql_inbound_next(cql_inbound *in, cql_envelope **out, cql_diag *diag)
{
    if (out != NULL)
        *out = NULL;
    if (in == NULL || out == NULL) {
        if (diag != NULL) {
            diag->rc = CQL_E_ARG;
            diag->offset = 0;
            diag->what = "inbound: NULL assembler or output";
        }
        return CQL_E_ARG;
    }
    bool progress = true;
    while (in->err.rc == CQL_OK && *out == NULL && progress) {
        if (in->frame_open) {
            progress = step_in_frame(in, out);
        } else if ((in->env != NULL || in->head_have > 0) && in->env_wire != in->wire) {
            fail(in, CQL_E_ARG, stream_at(in), "inbound: wire mode changed inside an envelope");
        } else if (in->wire == CQL_WIRE_ENVELOPES) {
            progress = step_bare(in, out);
        } else {
            progress = step_frame(in, out);
        }
    }
    if (in->err.rc != CQL_OK) {
        /* An envelope can only be out with no error, but be sure no caller gets both. */
        free(*out);
        *out = NULL;
        if (diag != NULL)
            *diag = in->err;
        return in->err.rc;
    }
    return CQL_OK;
}
