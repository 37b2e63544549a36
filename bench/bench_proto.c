/*
 * P1 (docs/benchmarks.md): the protocol codec alone, on this machine.
 *
 *   decode  a 5000-row Rows page of 8 columns (int, bigint, text of 32 bytes,
 *           double, timestamp, uuid, boolean, blob of 64 bytes): decode the
 *           response (one pass that indexes every row) and read every cell
 *           with its typed decoder. The response takes ownership of its
 *           body, so each round gets a fresh copy of the page, made outside
 *           the timed part (in a client that copy is the read from the
 *           socket, which the memcpy reference stands for). Rows are read
 *           with the cursor, the one-pass path a stream uses.
 *   decode_typed  the same page through the client's result API: cql_result
 *           over the response, cql_result_next, and one typed getter per cell
 *           (cql_cell_int32, cql_cell_string, ...: a kind check, then the
 *           same inline decoder; text is checked to be UTF-8).
 *   encode  an EXECUTE with 100 int values, appended to a reused buffer.
 *
 * The reference is memcpy of the same bytes in the same run: the machine is
 * shared, so only the ratio means something. Each figure is the best of
 * several rounds. Prints one JSON object per measurement on stdout.
 */
#define _POSIX_C_SOURCE 200809L
#include "cqlio.h"
#include "engine/result.h"
#include "proto/buf.h"
#include "proto/values.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { ROWS = 5000, COLUMNS = 8, ROUNDS = 7, EXECUTE_VALUES = 100 };

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void put_str(cql_buf *b, const char *s) { cql_buf_put_string(b, s, strlen(s)); }

static uint8_t *make_page(size_t *len)
{
    static const struct {
        const char *name;
        uint16_t type;
    } cols[COLUMNS] = {{"id", CQL_TYPE_INT},      {"n", CQL_TYPE_BIGINT},
                       {"label", CQL_TYPE_VARCHAR}, {"score", CQL_TYPE_DOUBLE},
                       {"at", CQL_TYPE_TIMESTAMP}, {"uid", CQL_TYPE_UUID},
                       {"ok", CQL_TYPE_BOOLEAN},   {"data", CQL_TYPE_BLOB}};
    cql_buf b = {0};
    cql_buf_put_u32(&b, CQL_RESULT_ROWS);
    cql_buf_put_u32(&b, 0x0001);
    cql_buf_put_u32(&b, COLUMNS);
    put_str(&b, "bench");
    put_str(&b, "t");
    for (int c = 0; c < COLUMNS; c++) {
        put_str(&b, cols[c].name);
        cql_buf_put_u16(&b, cols[c].type);
    }
    cql_buf_put_u32(&b, ROWS);
    uint8_t uuid[16] = {0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0x4d, 0xef,
                        0x80, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77};
    uint8_t blob[64];
    memset(blob, 0xAB, sizeof blob);
    for (int32_t i = 0; i < ROWS; i++) {
        char text[33];
        snprintf(text, sizeof text, "row-%027d", i);
        cql_encode_int(&b, i);
        cql_encode_bigint(&b, (int64_t)i * 1000003);
        cql_encode_text(&b, text, 32);
        cql_encode_double(&b, i * 0.5);
        cql_encode_bigint(&b, 1700000000000 + i);
        cql_encode_uuid(&b, uuid);
        cql_encode_boolean(&b, i & 1);
        cql_encode_blob(&b, blob, sizeof blob);
    }
    if (b.failed != CQL_OK) {
        fprintf(stderr, "bench_proto: building the page failed\n");
        exit(1);
    }
    return cql_buf_take(&b, len);
}

/* One decode round over a body it takes: decode, read every cell. Returns a checksum. */
static double decode_page(uint8_t *body, size_t len)
{
    cql_envelope_header h = {5, true, 0, 0, CQL_OP_RESULT, (uint32_t)len};
    cql_response *r;
    if (cql_response_decode(&h, body, NULL, &r, NULL) != CQL_OK) {
        fprintf(stderr, "bench_proto: decode failed\n");
        exit(1);
    }
    double sum = 0;
    cql_rows_cursor cur;
    cql_value v[COLUMNS];
    cql_rows_cursor_init(&cur, r);
    while (cql_rows_next(&cur, v)) {
        int32_t id = 0;
        int64_t n = 0, at = 0;
        double score = 0;
        uint8_t uid[16] = {0};
        bool ok = false;
        cql_str label = {"", 0}, data = {"", 0};
        unsigned bad = cql_decode_int(v[0].ptr, v[0].len, &id, NULL) |
                       cql_decode_bigint(v[1].ptr, v[1].len, &n, NULL) |
                       cql_decode_text(v[2].ptr, v[2].len, false, &label, NULL) |
                       cql_decode_double(v[3].ptr, v[3].len, &score, NULL) |
                       cql_decode_timestamp(v[4].ptr, v[4].len, &at, NULL) |
                       cql_decode_uuid(v[5].ptr, v[5].len, uid, NULL) |
                       cql_decode_boolean(v[6].ptr, v[6].len, &ok, NULL) |
                       cql_decode_blob(v[7].ptr, v[7].len, &data, NULL);
        if (bad) {
            fprintf(stderr, "bench_proto: a cell did not decode\n");
            exit(1);
        }
        sum += id + (double)n + (double)label.len + score + (double)at + uid[0] + ok +
               (double)data.len;
    }
    cql_response_free(r);
    return sum;
}

/* The same round through the result API that applications use. */
static double decode_page_typed(uint8_t *body, size_t len)
{
    cql_envelope_header h = {5, true, 0, 0, CQL_OP_RESULT, (uint32_t)len};
    cql_response *resp;
    if (cql_response_decode(&h, body, NULL, &resp, NULL) != CQL_OK) {
        fprintf(stderr, "bench_proto: decode failed\n");
        exit(1);
    }
    cql_result *r = cql_result_new(resp, NULL, NULL);
    if (r == NULL) {
        fprintf(stderr, "bench_proto: out of memory\n");
        exit(1);
    }
    double sum = 0;
    while (cql_result_next(r)) {
        int32_t id = 0;
        int64_t n = 0, at = 0;
        double score = 0;
        uint8_t uid[16] = {0};
        bool ok = false;
        cql_str label = {"", 0}, data = {"", 0};
        unsigned bad = cql_cell_int32(cql_result_cell(r, 0), &id) |
                       cql_cell_int64(cql_result_cell(r, 1), &n) |
                       cql_cell_string(cql_result_cell(r, 2), &label) |
                       cql_cell_double(cql_result_cell(r, 3), &score) |
                       cql_cell_timestamp(cql_result_cell(r, 4), &at) |
                       cql_cell_uuid(cql_result_cell(r, 5), uid) |
                       cql_cell_bool(cql_result_cell(r, 6), &ok) |
                       cql_cell_bytes(cql_result_cell(r, 7), &data);
        if (bad) {
            fprintf(stderr, "bench_proto: a cell did not decode\n");
            exit(1);
        }
        sum += id + (double)n + (double)label.len + score + (double)at + uid[0] + ok +
               (double)data.len;
    }
    if (cql_result_error(r) != NULL) {
        fprintf(stderr, "bench_proto: %s\n", cql_result_error(r)->message);
        exit(1);
    }
    cql_result_free(r);
    return sum;
}

static double best_of(double (*round)(void *), void *arg, int reps, double *checksum)
{
    double best = 1e30;
    for (int k = 0; k < ROUNDS; k++) {
        double t0 = now_s();
        for (int i = 0; i < reps; i++)
            *checksum += round(arg);
        double t = (now_s() - t0) / reps;
        if (t < best)
            best = t;
    }
    return best;
}

typedef struct job {
    const uint8_t *src;
    uint8_t *dst;
    size_t len;
    cql_buf *out;
    cql_value *values;
} job;

/* Best time of one decode, each on a fresh copy made before its clock starts. */
static double time_decode(double (*decode)(uint8_t *, size_t), const uint8_t *page, size_t len,
                          int reps, double *checksum)
{
    double best = 1e30;
    for (int k = 0; k < ROUNDS; k++) {
        double total = 0;
        for (int i = 0; i < reps; i++) {
            uint8_t *body = malloc(len);
            memcpy(body, page, len);
            double t0 = now_s();
            *checksum += decode(body, len);
            total += now_s() - t0;
        }
        if (total / reps < best)
            best = total / reps;
    }
    return best;
}

static double round_memcpy(void *arg)
{
    job *j = arg;
    memcpy(j->dst, j->src, j->len);
    return j->dst[j->len / 2];
}

static double round_execute(void *arg)
{
    job *j = arg;
    cql_request_opts o = {.version = 5, .stream = 1};
    cql_query_params p = {.consistency = CQL_CONSISTENCY_LOCAL_QUORUM,
                          .values = j->values,
                          .value_count = EXECUTE_VALUES,
                          .skip_metadata = true};
    j->out->len = 0;
    if (cql_encode_execute(j->out, &o, (cql_str){"0123456789abcdef", 16},
                           (cql_str){"fedcba9876543210", 16}, &p) != CQL_OK) {
        fprintf(stderr, "bench_proto: encode failed\n");
        exit(1);
    }
    return (double)j->out->len;
}

int main(void)
{
    double checksum = 0;
    size_t len;
    uint8_t *page = make_page(&len);
    uint8_t *dst = malloc(len);
    job j = {page, dst, len, NULL, NULL};

    double t_decode = time_decode(decode_page, page, len, 20, &checksum);
    double t_typed = time_decode(decode_page_typed, page, len, 20, &checksum);
    double t_copy = best_of(round_memcpy, &j, 200, &checksum);
    double mb = (double)len / 1e6;
    printf("{\"bench\":\"P1\",\"op\":\"decode_rows_page\",\"rows\":%d,\"columns\":%d,"
           "\"page_bytes\":%zu,\"rows_per_s\":%.0f,\"mb_per_s\":%.1f,\"memcpy_mb_per_s\":%.1f,"
           "\"ratio_to_memcpy\":%.3f}\n",
           ROWS, COLUMNS, len, ROWS / t_decode, mb / t_decode, mb / t_copy, t_copy / t_decode);
    printf("{\"bench\":\"P1\",\"op\":\"decode_rows_page_typed\",\"rows\":%d,\"columns\":%d,"
           "\"page_bytes\":%zu,\"rows_per_s\":%.0f,\"mb_per_s\":%.1f,\"memcpy_mb_per_s\":%.1f,"
           "\"ratio_to_memcpy\":%.3f}\n",
           ROWS, COLUMNS, len, ROWS / t_typed, mb / t_typed, mb / t_copy, t_copy / t_typed);

    cql_buf out = {0};
    uint8_t ints[EXECUTE_VALUES][4];
    cql_value values[EXECUTE_VALUES];
    for (int i = 0; i < EXECUTE_VALUES; i++) {
        ints[i][0] = 0, ints[i][1] = 0, ints[i][2] = (uint8_t)(i >> 8), ints[i][3] = (uint8_t)i;
        values[i] = (cql_value){ints[i], 4};
    }
    j.out = &out;
    j.values = values;
    double t_encode = best_of(round_execute, &j, 20000, &checksum);
    j.len = out.len;
    j.src = out.data;
    double t_copy_req = best_of(round_memcpy, &j, 20000, &checksum);
    printf("{\"bench\":\"P1\",\"op\":\"encode_execute_100_values\",\"request_bytes\":%zu,"
           "\"requests_per_s\":%.0f,\"mb_per_s\":%.1f,\"memcpy_mb_per_s\":%.1f,"
           "\"ratio_to_memcpy\":%.3f}\n",
           out.len, 1 / t_encode, (double)out.len / 1e6 / t_encode,
           (double)out.len / 1e6 / t_copy_req, t_copy_req / t_encode);
    fprintf(stderr, "(checksum %.0f)\n", checksum);
    cql_buf_free(&out);
    free(page);
    free(dst);
    return 0;
}
