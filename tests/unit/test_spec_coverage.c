/*
 * Nothing the specifications list is forgotten: this test reads the opcode
 * table (§2.4.1.4), the [option] type ids (§4.2.5.2) and the error codes (§8)
 * out of native_protocol_v4.spec and native_protocol_v5.spec and checks that
 * the library knows each one. The spec folder is CQLIO_SPEC_DIR (environment)
 * or the one the build was configured with; without it the test says SKIP.
 */
#include "cqlio.h"
#include "harness.h"
#include "proto/buf.h"
#include "proto/types.h"

#include <ctype.h>
#include <stdlib.h>

#ifndef CQLIO_SPEC_DIR
#define CQLIO_SPEC_DIR ""
#endif

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *text = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (text != NULL && fread(text, 1, (size_t)n, f) == (size_t)n)
        text[n] = '\0';
    else {
        free(text);
        text = NULL;
    }
    fclose(f);
    return text;
}

/* Calls visit(code, name) for each line "  0xHH[HH]   Name" between the
 * first line containing `from` and the next line containing `to`. */
static int each_code(const char *text, const char *from, const char *to,
                     void (*visit)(long code, const char *name, const char *spec), const char *spec)
{
    const char *p = strstr(text, from), *end = p ? strstr(p, to) : NULL;
    int count = 0;
    while (p && end && p < end) {
        const char *line = p;
        p = strchr(p, '\n');
        if (p == NULL)
            break;
        p++;
        while (*line == ' ')
            line++;
        if (line[0] != '0' || line[1] != 'x')
            continue;
        char *after;
        long code = strtol(line + 2, &after, 16);
        if (after == line + 2 || *after != ' ')
            continue;
        while (*after == ' ')
            after++;
        char name[64] = {0};
        for (size_t i = 0; i < sizeof name - 1 && (isalnum((unsigned char)after[i]) || after[i] == '_'); i++)
            name[i] = after[i];
        visit(code, name, spec);
        count++;
    }
    return count;
}

static void check_opcode(long code, const char *name, const char *spec)
{
    if (strcmp(cql_opcode_str((uint8_t)code), name) != 0) {
        fprintf(stderr, "  %s: opcode 0x%02lX %s unknown to cql_opcode_str\n", spec, code, name);
        harness_failures_in_test++;
    }
}

static void check_type_id(long code, const char *name, const char *spec)
{
    /* An [option] of this id, with the parameters its kind needs. */
    cql_buf b = {0};
    cql_buf_put_u16(&b, (uint16_t)code);
    if (code == CQL_TYPE_CUSTOM)
        cql_buf_put_string(&b, "a.B", 3);
    else if (code == CQL_TYPE_LIST || code == CQL_TYPE_SET)
        cql_buf_put_u16(&b, CQL_TYPE_INT);
    else if (code == CQL_TYPE_MAP) {
        cql_buf_put_u16(&b, CQL_TYPE_INT);
        cql_buf_put_u16(&b, CQL_TYPE_INT);
    } else if (code == CQL_TYPE_UDT) {
        cql_buf_put_string(&b, "ks", 2);
        cql_buf_put_string(&b, "u", 1);
        cql_buf_put_u16(&b, 1);
        cql_buf_put_string(&b, "f", 1);
        cql_buf_put_u16(&b, CQL_TYPE_INT);
    } else if (code == CQL_TYPE_TUPLE) {
        cql_buf_put_u16(&b, 1);
        cql_buf_put_u16(&b, CQL_TYPE_INT);
    }
    cql_reader r = cql_reader_make(b.data, b.len);
    cql_type *t = NULL;
    if (cql_type_parse(&r, NULL, &t) != CQL_OK || t == NULL || (long)t->kind != code) {
        fprintf(stderr, "  %s: type id 0x%04lX %s not parsed as itself\n", spec, code, name);
        harness_failures_in_test++;
    }
    cql_type_free(t);
    cql_buf_free(&b);
}

static void check_error_code(long code, const char *name, const char *spec)
{
    if (strcmp(cql_error_code_str((int32_t)code), "UNKNOWN_ERROR") == 0) {
        fprintf(stderr, "  %s: error code 0x%04lX %s unknown\n", spec, code, name);
        harness_failures_in_test++;
    }
}

static char *specs[2];
static const char *spec_names[2] = {"native_protocol_v4.spec", "native_protocol_v5.spec"};

TEST(every_opcode_of_both_specs_is_known)
{
    for (int i = 0; i < 2; i++)
        CHECK_EQ_INT(each_code(specs[i], "distinguishes the actual message", "Messages are described",
                               check_opcode, spec_names[i]),
                     16);
}

TEST(every_type_id_of_both_specs_parses_as_itself)
{
    /* v4 lists 25 ids; v5 adds Duration (0x0015). */
    int counts[2];
    for (int i = 0; i < 2; i++)
        counts[i] = each_code(specs[i], "ids are:", "<rows_count>", check_type_id,
                              spec_names[i]);
    CHECK_EQ_INT(counts[0], 25);
    CHECK_EQ_INT(counts[1], 26);
}

TEST(every_error_code_of_both_specs_has_a_name)
{
    /* v4 lists 18 codes; v5 adds CDC_WRITE_FAILURE and CAS_WRITE_UNKNOWN. */
    const int expected[2] = {18, 20};
    for (int i = 0; i < 2; i++)
        CHECK_EQ_INT(each_code(specs[i], "Let us recall that an ERROR", "Changes from v",
                               check_error_code, spec_names[i]),
                     expected[i]);
}

int main(void)
{
    const char *dir = getenv("CQLIO_SPEC_DIR");
    if (dir == NULL || *dir == '\0')
        dir = CQLIO_SPEC_DIR;
    for (int i = 0; i < 2; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, spec_names[i]);
        specs[i] = slurp(path);
        if (specs[i] == NULL) {
            printf("SKIP: %s not found (set CQLIO_SPEC_DIR)\n0 passed, 0 failed, 1 skipped\n", path);
            free(specs[0]);
            return 0;
        }
    }
    RUN(every_opcode_of_both_specs_is_known);
    RUN(every_type_id_of_both_specs_parses_as_itself);
    RUN(every_error_code_of_both_specs_has_a_name);
    free(specs[0]);
    free(specs[1]);
    return harness_done();
}
