/* CQL type trees: [option] (v4/v5 §4.2.5.2) and marshal class names. */
#include "harness.h"
#include "proto/buf.h"
#include "proto/types.h"

#include <stdlib.h>

#define M "org.apache.cassandra.db.marshal."

static cql_type *parse(const uint8_t *bytes, size_t len, cql_rc *rc, cql_diag *diag)
{
    cql_reader r = cql_reader_make(bytes, len);
    cql_type *t = NULL;
    *rc = cql_type_parse(&r, NULL, &t);
    if (diag != NULL)
        *diag = r.diag;
    if (*rc == CQL_OK && r.off != len) {
        cql_type_free(t);
        *rc = CQL_E_MALFORMED;
        return NULL;
    }
    return t;
}

static cql_type *parse_class(const char *name)
{
    cql_type *t = NULL;
    if (cql_type_parse_class(name, strlen(name), NULL, &t, NULL) != CQL_OK)
        return NULL;
    return t;
}

static bool formats_as(const cql_type *t, const char *want)
{
    char buf[512];
    size_t n = cql_type_format(t, buf, sizeof buf);
    if (n != strlen(want) || strcmp(buf, want) != 0) {
        fprintf(stderr, "  formatted as \"%s\", expected \"%s\"\n", buf, want);
        return false;
    }
    return true;
}

/* Every id of the [option] table, v4 §4.2.5.2 and v5 §4.2.5.2 (0x0015 is v5
 * only), with the value that follows it and the type's CQL spelling. */
static const struct spec_id {
    uint16_t id;
    const char *cql;
    uint8_t value[16];
    size_t value_len;
} spec_ids[] = {
    {0x0000, "'x.Y'", {0x00, 0x03, 'x', '.', 'Y'}, 5},
    {0x0001, "ascii", {0}, 0},
    {0x0002, "bigint", {0}, 0},
    {0x0003, "blob", {0}, 0},
    {0x0004, "boolean", {0}, 0},
    {0x0005, "counter", {0}, 0},
    {0x0006, "decimal", {0}, 0},
    {0x0007, "double", {0}, 0},
    {0x0008, "float", {0}, 0},
    {0x0009, "int", {0}, 0},
    {0x000B, "timestamp", {0}, 0},
    {0x000C, "uuid", {0}, 0},
    {0x000D, "text", {0}, 0},
    {0x000E, "varint", {0}, 0},
    {0x000F, "timeuuid", {0}, 0},
    {0x0010, "inet", {0}, 0},
    {0x0011, "date", {0}, 0},
    {0x0012, "time", {0}, 0},
    {0x0013, "smallint", {0}, 0},
    {0x0014, "tinyint", {0}, 0},
    {0x0015, "duration", {0}, 0},
    {0x0020, "list<int>", {0x00, 0x09}, 2},
    {0x0021, "map<text, bigint>", {0x00, 0x0D, 0x00, 0x02}, 4},
    {0x0022, "set<uuid>", {0x00, 0x0C}, 2},
    {0x0030, "ks.pt", {0x00, 0x02, 'k', 's', 0x00, 0x02, 'p', 't', 0x00, 0x01, 0x00, 0x01, 'x',
                       0x00, 0x09}, 15},
    {0x0031, "tuple<int, blob>", {0x00, 0x02, 0x00, 0x09, 0x00, 0x03}, 6},
};

TEST(every_type_id_of_the_v4_and_v5_specs_parses_to_its_kind)
{
    for (size_t i = 0; i < sizeof spec_ids / sizeof spec_ids[0]; i++) {
        const struct spec_id *s = &spec_ids[i];
        uint8_t bytes[32] = {(uint8_t)(s->id >> 8), (uint8_t)s->id};
        memcpy(bytes + 2, s->value, s->value_len);
        cql_rc rc;
        cql_type *t = parse(bytes, 2 + s->value_len, &rc, NULL);
        CHECK_EQ_INT(rc, CQL_OK);
        if (t == NULL)
            continue;
        CHECK_EQ_INT(t->kind, s->id);
        CHECK(formats_as(t, s->cql));
        cql_type_free(t);
    }
}

TEST(no_id_outside_the_spec_tables_is_accepted)
{
    /* the other direction: an id the parser accepts must be in the table */
    for (unsigned id = 0; id <= 0x0200; id++) {
        bool listed = false;
        for (size_t i = 0; i < sizeof spec_ids / sizeof spec_ids[0]; i++)
            listed = listed || spec_ids[i].id == id;
        if (listed)
            continue;
        uint8_t bytes[2] = {(uint8_t)(id >> 8), (uint8_t)id};
        cql_rc rc;
        cql_diag d;
        cql_type *t = parse(bytes, 2, &rc, &d);
        CHECK(t == NULL);
        if (rc != CQL_E_MALFORMED)
            fprintf(stderr, "  id 0x%04X accepted\n", id);
        CHECK_EQ_INT(rc, CQL_E_MALFORMED);
        CHECK_EQ_INT(d.offset, 0);
    }
}

/* map<text, frozen<list<int>>> */
static const uint8_t map_of_lists[] = {0x00, 0x21, 0x00, 0x0D, 0x00, 0x20, 0x00, 0x09};

TEST(nested_collections_parse_and_format_with_frozen)
{
    cql_rc rc;
    cql_type *t = parse(map_of_lists, sizeof map_of_lists, &rc, NULL);
    REQUIRE(t != NULL);
    CHECK_EQ_INT(t->kind, CQL_TYPE_MAP);
    CHECK_EQ_INT(t->count, 2);
    CHECK_EQ_INT(t->children[0]->kind, CQL_TYPE_VARCHAR);
    CHECK_EQ_INT(t->children[1]->kind, CQL_TYPE_LIST);
    CHECK_EQ_INT(t->children[1]->children[0]->kind, CQL_TYPE_INT);
    CHECK(formats_as(t, "map<text, frozen<list<int>>>"));
    cql_type_free(t);
}

/* UDT "Ks"."address" {street text, zip int, tags frozen<tuple<int, blob>>} */
static const uint8_t udt[] = {
    0x00, 0x30,                                          /* UDT */
    0x00, 0x02, 'K', 's',                                /* keyspace */
    0x00, 0x07, 'a', 'd', 'd', 'r', 'e', 's', 's',       /* name */
    0x00, 0x03,                                          /* 3 fields */
    0x00, 0x06, 's', 't', 'r', 'e', 'e', 't', 0x00, 0x0D, /* street text */
    0x00, 0x03, 'z', 'i', 'p', 0x00, 0x09,               /* zip int */
    0x00, 0x04, 't', 'a', 'g', 's', 0x00, 0x31, 0x00, 0x02, 0x00, 0x09, 0x00, 0x03,
};

TEST(udt_keeps_keyspace_name_and_fields)
{
    cql_rc rc;
    cql_type *t = parse(udt, sizeof udt, &rc, NULL);
    REQUIRE(t != NULL);
    CHECK_EQ_INT(t->kind, CQL_TYPE_UDT);
    CHECK(strcmp(t->keyspace, "Ks") == 0);
    CHECK(strcmp(t->name, "address") == 0);
    REQUIRE(t->count == 3);
    CHECK(strcmp(t->field_names[0], "street") == 0);
    CHECK(strcmp(t->field_names[2], "tags") == 0);
    CHECK_EQ_INT(t->children[2]->kind, CQL_TYPE_TUPLE);
    CHECK(formats_as(t, "\"Ks\".address"));
    CHECK(formats_as(t->children[2], "tuple<int, blob>"));
    cql_type_free(t);
}

static size_t custom_option(uint8_t *out, const char *cls)
{
    size_t n = strlen(cls);
    out[0] = 0x00;
    out[1] = 0x00;
    out[2] = (uint8_t)(n >> 8);
    out[3] = (uint8_t)n;
    memcpy(out + 4, cls, n);
    return 4 + n;
}

TEST(custom_vector_class_becomes_a_vector)
{
    uint8_t bytes[256];
    size_t n = custom_option(bytes, M "VectorType(" M "FloatType , 3)");
    cql_rc rc;
    cql_type *t = parse(bytes, n, &rc, NULL);
    REQUIRE(t != NULL);
    CHECK_EQ_INT(t->kind, CQL_TYPE_VECTOR);
    CHECK_EQ_INT(t->dimension, 3);
    REQUIRE(t->count == 1);
    CHECK_EQ_INT(t->children[0]->kind, CQL_TYPE_FLOAT);
    CHECK(t->custom_class == NULL);
    CHECK(formats_as(t, "vector<float, 3>"));
    CHECK_EQ_INT(cql_type_fixed_size(t), 12);
    cql_type_free(t);
}

TEST(other_custom_classes_and_broken_vectors_stay_custom)
{
    const char *classes[] = {
        "com.example.Point",
        M "Int32Type",               /* a known class sent as custom keeps its custom form */
        M "VectorType(" M "FloatType , 0)",    /* no zero-dimension vectors */
        M "VectorType(" M "FloatType",         /* cut short */
        M "VectorType(" M "FloatType , 3) x", /* trailing text */
    };
    for (size_t i = 0; i < sizeof classes / sizeof classes[0]; i++) {
        uint8_t bytes[256];
        size_t n = custom_option(bytes, classes[i]);
        cql_rc rc;
        cql_type *t = parse(bytes, n, &rc, NULL);
        REQUIRE(t != NULL);
        CHECK_EQ_INT(t->kind, CQL_TYPE_CUSTOM);
        CHECK(strcmp(t->custom_class, classes[i]) == 0);
        cql_type_free(t);
    }
}

/* v4 has no id for duration: Cassandra sends its class, read as a duration. */
TEST(a_duration_sent_as_custom_is_a_duration)
{
    uint8_t bytes[256];
    size_t n = custom_option(bytes, M "DurationType");
    cql_rc rc;
    cql_type *t = parse(bytes, n, &rc, NULL);
    REQUIRE(t != NULL);
    CHECK_EQ_INT(t->kind, CQL_TYPE_DURATION);
    cql_type_free(t);
}

TEST(every_marshal_class_maps_to_its_kind)
{
    static const struct {
        const char *cls;
        cql_type_kind kind;
    } classes[] = {
        {"AsciiType", CQL_TYPE_ASCII},          {"LongType", CQL_TYPE_BIGINT},
        {"BytesType", CQL_TYPE_BLOB},           {"BooleanType", CQL_TYPE_BOOLEAN},
        {"CounterColumnType", CQL_TYPE_COUNTER}, {"DecimalType", CQL_TYPE_DECIMAL},
        {"DoubleType", CQL_TYPE_DOUBLE},        {"FloatType", CQL_TYPE_FLOAT},
        {"Int32Type", CQL_TYPE_INT},            {"TimestampType", CQL_TYPE_TIMESTAMP},
        {"DateType", CQL_TYPE_TIMESTAMP},       {"UUIDType", CQL_TYPE_UUID},
        {"UTF8Type", CQL_TYPE_VARCHAR},         {"IntegerType", CQL_TYPE_VARINT},
        {"TimeUUIDType", CQL_TYPE_TIMEUUID},    {"InetAddressType", CQL_TYPE_INET},
        {"SimpleDateType", CQL_TYPE_DATE},      {"TimeType", CQL_TYPE_TIME},
        {"ShortType", CQL_TYPE_SMALLINT},       {"ByteType", CQL_TYPE_TINYINT},
        {"DurationType", CQL_TYPE_DURATION},
    };
    for (size_t i = 0; i < sizeof classes / sizeof classes[0]; i++) {
        char full[128];
        snprintf(full, sizeof full, M "%s", classes[i].cls);
        cql_type *t = parse_class(full);
        cql_type *s = parse_class(classes[i].cls); /* short names are the marshal package's */
        CHECK(t != NULL && t->kind == classes[i].kind);
        CHECK(s != NULL && s->kind == classes[i].kind);
        cql_type_free(t);
        cql_type_free(s);
    }
}

TEST(composite_class_names_parse_with_wrappers_unwrapped)
{
    cql_type *t = parse_class(
        M "MapType(" M "UTF8Type," M "FrozenType(" M "ListType(" M "ReversedType(" M
          "Int32Type))))");
    REQUIRE(t != NULL);
    CHECK(formats_as(t, "map<text, frozen<list<int>>>"));
    cql_type_free(t);

    t = parse_class(M "SetType(" M "TupleType(" M "Int32Type, " M "BytesType))");
    REQUIRE(t != NULL);
    CHECK(formats_as(t, "set<frozen<tuple<int, blob>>>"));
    cql_type_free(t);

    /* field names and the type name are hex: "address", "street", "zip" */
    t = parse_class(M "UserType(ks,61646472657373,737472656574:" M "UTF8Type,7a6970:" M
                      "Int32Type)");
    REQUIRE(t != NULL);
    CHECK_EQ_INT(t->kind, CQL_TYPE_UDT);
    CHECK(strcmp(t->keyspace, "ks") == 0);
    CHECK(strcmp(t->name, "address") == 0);
    REQUIRE(t->count == 2);
    CHECK(strcmp(t->field_names[0], "street") == 0 && strcmp(t->field_names[1], "zip") == 0);
    CHECK_EQ_INT(t->children[1]->kind, CQL_TYPE_INT);
    cql_type_free(t);
}

TEST(vector_classes_nest_and_keep_variable_elements)
{
    cql_type *t = parse_class(M "VectorType(" M "VectorType(" M "FloatType , 2) , 4)");
    REQUIRE(t != NULL);
    CHECK(formats_as(t, "vector<vector<float, 2>, 4>"));
    CHECK_EQ_INT(cql_type_fixed_size(t), 32);
    cql_type_free(t);

    t = parse_class(M "VectorType(" M "FrozenType(" M "ListType(" M "UTF8Type)) , 2)");
    REQUIRE(t != NULL);
    CHECK(formats_as(t, "vector<frozen<list<text>>, 2>"));
    CHECK_EQ_INT(cql_type_fixed_size(t), 0);
    cql_type_free(t);
}

TEST(unknown_classes_keep_their_text_and_parameters)
{
    cql_type *t = parse_class(M "ListType(com.example.Shape(a,(b),c))");
    REQUIRE(t != NULL);
    REQUIRE(t->children[0]->kind == CQL_TYPE_CUSTOM);
    CHECK(strcmp(t->children[0]->custom_class, "com.example.Shape(a,(b),c)") == 0);
    CHECK(formats_as(t, "list<'com.example.Shape(a,(b),c)'>"));
    cql_type_free(t);

    t = parse_class(M "CompositeType(" M "Int32Type)");
    REQUIRE(t != NULL);
    CHECK_EQ_INT(t->kind, CQL_TYPE_CUSTOM);
    cql_type_free(t);
}

/* Found by fuzz_types: the blank before " , 3" became part of the custom
 * element's class, so each encode -> parse added one more blank. */
TEST(unknown_class_text_stops_before_the_blanks_of_its_parent)
{
    cql_type *t = parse_class(M "VectorType(com.example.Float , 3)");
    REQUIRE(t != NULL);
    CHECK(strcmp(t->children[0]->custom_class, "com.example.Float") == 0);
    cql_buf b = {0};
    cql_type_encode(&b, t);
    cql_rc rc;
    cql_type *back = parse(b.data, b.len, &rc, NULL);
    CHECK(cql_type_equal(t, back));
    cql_type_free(back);
    cql_buf_free(&b);
    cql_type_free(t);

    t = parse_class(M "TupleType(a.B (x) , c.D )");
    REQUIRE(t != NULL && t->count == 2);
    CHECK(strcmp(t->children[0]->custom_class, "a.B (x)") == 0);
    CHECK(strcmp(t->children[1]->custom_class, "c.D") == 0);
    cql_type_free(t);
}

TEST(malformed_class_names_fail_with_an_offset)
{
    static const struct {
        const char *cls;
        cql_rc rc;
        size_t offset;
    } bad[] = {
        {"", CQL_E_MALFORMED, 0},
        {"ListType(Int32Type", CQL_E_MALFORMED, 18},
        {"ListType(Int32Type,Int32Type)", CQL_E_MALFORMED, 18},
        {"MapType(Int32Type)", CQL_E_MALFORMED, 17},
        {"Int32Type(x)", CQL_E_MALFORMED, 9},
        {"Int32Type x", CQL_E_MALFORMED, 10},
        {"UserType(ks,6g)", CQL_E_MALFORMED, 12},
        {"UserType(ks,61,62Int32Type)", CQL_E_MALFORMED, 15},
        {"UserType(ks,0061)", CQL_E_MALFORMED, 12}, /* a NUL in a name */
        {"VectorType(FloatType, -1)", CQL_E_MALFORMED, 22},
        {"VectorType(FloatType, 2000000)", CQL_E_LIMIT, 22},
        {"a.B(()", CQL_E_MALFORMED, 3},
        {"FrozenType(Int32Type", CQL_E_MALFORMED, 20},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cql_type *t = (cql_type *)&i;
        cql_diag d;
        cql_rc rc = cql_type_parse_class(bad[i].cls, strlen(bad[i].cls), NULL, &t, &d);
        if (rc != bad[i].rc || d.offset != bad[i].offset)
            fprintf(stderr, "  \"%s\": rc %d at %zu (%s)\n", bad[i].cls, rc, d.offset, d.what);
        CHECK_EQ_INT(rc, bad[i].rc);
        CHECK_EQ_INT(d.offset, bad[i].offset);
        CHECK(t == NULL);
        CHECK(d.what != NULL && strncmp(d.what, "class name", 10) == 0);
    }
}

TEST(option_encoding_round_trips_byte_for_byte)
{
    const uint8_t *cases[] = {map_of_lists, udt};
    size_t lens[] = {sizeof map_of_lists, sizeof udt};
    for (size_t i = 0; i < 2; i++) {
        cql_rc rc;
        cql_type *t = parse(cases[i], lens[i], &rc, NULL);
        REQUIRE(t != NULL);
        cql_buf b = {0};
        cql_type_encode(&b, t);
        CHECK_EQ_INT(b.failed, CQL_OK);
        CHECK_EQ_INT(b.len, lens[i]);
        CHECK(b.len == lens[i] && memcmp(b.data, cases[i], lens[i]) == 0);
        cql_buf_free(&b);
        cql_type_free(t);
    }
}

TEST(vectors_encode_as_the_class_cassandra_writes)
{
    cql_type *t = parse_class(M "VectorType(" M "FrozenType(" M "MapType(" M "UTF8Type," M
                              "Int32Type)) , 2)");
    REQUIRE(t != NULL);
    char cls[512];
    cql_type_class_name(t, cls, sizeof cls);
    CHECK(strcmp(cls, M "VectorType(" M "FrozenType(" M "MapType(" M "UTF8Type," M
                      "Int32Type)) , 2)") == 0);
    cql_buf b = {0};
    cql_type_encode(&b, t);
    REQUIRE(b.failed == CQL_OK);
    CHECK(b.data[0] == 0 && b.data[1] == 0); /* custom */
    cql_rc rc;
    cql_type *back = parse(b.data, b.len, &rc, NULL);
    CHECK(cql_type_equal(t, back));
    cql_type_free(back);
    cql_buf_free(&b);
    cql_type_free(t);
}

TEST(class_names_round_trip_through_the_writer)
{
    const char *names[] = {
        M "Int32Type",
        M "ListType(" M "UTF8Type)",
        M "MapType(" M "TimeUUIDType," M "SetType(" M "DoubleType))",
        M "TupleType(" M "ByteType," M "ShortType," M "DurationType)",
        M "UserType(ks,61,62:" M "SimpleDateType,63:" M "TimeType)",
        M "VectorType(" M "DecimalType , 7)",
        "com.example.Thing(1,2)",
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        cql_type *t = parse_class(names[i]);
        REQUIRE(t != NULL);
        char cls[512];
        size_t n = cql_type_class_name(t, cls, sizeof cls);
        CHECK_EQ_INT(n, strlen(names[i]));
        CHECK(strcmp(cls, names[i]) == 0);
        cql_type_free(t);
    }
}

TEST(clone_is_deep_and_equal_tells_differences)
{
    cql_rc rc;
    cql_type *a = parse(udt, sizeof udt, &rc, NULL);
    REQUIRE(a != NULL);
    cql_type *b = cql_type_clone(a);
    REQUIRE(b != NULL);
    CHECK(cql_type_equal(a, b));
    CHECK(b->field_names != a->field_names && b->children[0] != a->children[0]);
    b->field_names[1][0] = 'Z';
    CHECK(!cql_type_equal(a, b));
    cql_type_free(b);

    cql_type *v3 = parse_class(M "VectorType(" M "FloatType , 3)");
    cql_type *v4 = parse_class(M "VectorType(" M "FloatType , 4)");
    cql_type *d3 = parse_class(M "VectorType(" M "DoubleType , 3)");
    CHECK(!cql_type_equal(v3, v4));
    CHECK(!cql_type_equal(v3, d3));
    CHECK(!cql_type_equal(v3, NULL));
    CHECK(cql_type_equal(NULL, NULL));
    cql_type_free(v3);
    cql_type_free(v4);
    cql_type_free(d3);
    cql_type_free(a);
}

TEST(format_truncates_like_snprintf)
{
    cql_rc rc;
    cql_type *t = parse(map_of_lists, sizeof map_of_lists, &rc, NULL);
    REQUIRE(t != NULL);
    char small[8];
    size_t n = cql_type_format(t, small, sizeof small);
    CHECK_EQ_INT(n, strlen("map<text, frozen<list<int>>>"));
    CHECK(strcmp(small, "map<tex") == 0);
    CHECK_EQ_INT(cql_type_format(t, NULL, 0), n);
    cql_type_free(t);
}

TEST(fixed_sizes_follow_cassandra_value_length_if_fixed)
{
    static const struct {
        uint16_t id;
        size_t fixed, value;
    } sizes[] = {
        {CQL_TYPE_BOOLEAN, 1, 1},   {CQL_TYPE_INT, 4, 4},        {CQL_TYPE_FLOAT, 4, 4},
        {CQL_TYPE_BIGINT, 8, 8},    {CQL_TYPE_DOUBLE, 8, 8},     {CQL_TYPE_TIMESTAMP, 8, 8},
        {CQL_TYPE_UUID, 16, 16},    {CQL_TYPE_TIMEUUID, 16, 16}, {CQL_TYPE_TINYINT, 0, 1},
        {CQL_TYPE_SMALLINT, 0, 2},  {CQL_TYPE_DATE, 0, 4},       {CQL_TYPE_TIME, 0, 8},
        {CQL_TYPE_COUNTER, 0, 8},   {CQL_TYPE_VARCHAR, 0, 0},    {CQL_TYPE_INET, 0, 0},
        {CQL_TYPE_DURATION, 0, 0},  {CQL_TYPE_VARINT, 0, 0},     {CQL_TYPE_DECIMAL, 0, 0},
    };
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        uint8_t bytes[2] = {0, (uint8_t)sizes[i].id};
        cql_rc rc;
        cql_type *t = parse(bytes, 2, &rc, NULL);
        REQUIRE(t != NULL);
        CHECK_EQ_INT(cql_type_fixed_size(t), sizes[i].fixed);
        CHECK_EQ_INT(cql_type_value_size(t), sizes[i].value);
        cql_type_free(t);
    }
    cql_type *l = parse_class(M "ListType(" M "Int32Type)");
    CHECK_EQ_INT(cql_type_fixed_size(l), 0);
    cql_type_free(l);
}

TEST(every_truncation_fails_cleanly_with_an_offset_inside_the_buffer)
{
    const uint8_t *cases[] = {map_of_lists, udt};
    size_t lens[] = {sizeof map_of_lists, sizeof udt};
    for (size_t c = 0; c < 2; c++) {
        for (size_t len = 0; len < lens[c]; len++) {
            cql_reader r = cql_reader_make(cases[c], len);
            cql_type *t = (cql_type *)&len;
            CHECK_EQ_INT(cql_type_parse(&r, NULL, &t), CQL_E_TRUNCATED);
            CHECK(t == NULL);
            CHECK(r.diag.offset <= len);
            CHECK(r.diag.what != NULL && strncmp(r.diag.what, "option", 6) == 0);
        }
    }
}

TEST(hostile_counts_fail_before_allocating)
{
    /* a tuple of 65535 elements and a UDT of 65535 fields in a few bytes */
    const uint8_t tuple[] = {0x00, 0x31, 0xFF, 0xFF, 0x00, 0x09, 0x00, 0x09};
    const uint8_t fields[] = {0x00, 0x30, 0x00, 0x01, 'k', 0x00, 0x01, 'n', 0xFF, 0xFF, 0x00};
    cql_rc rc;
    cql_diag d;
    CHECK(parse(tuple, sizeof tuple, &rc, &d) == NULL);
    CHECK_EQ_INT(rc, CQL_E_TRUNCATED);
    CHECK_EQ_INT(d.offset, 2);
    CHECK(parse(fields, sizeof fields, &rc, &d) == NULL);
    CHECK_EQ_INT(rc, CQL_E_TRUNCATED);
    CHECK_EQ_INT(d.offset, 8);

    /* and a count over max_elements is a limit, whatever the bytes */
    uint8_t three[] = {0x00, 0x31, 0x00, 0x03, 0x00, 0x09, 0x00, 0x09, 0x00, 0x09};
    cql_limits lim = {0, 0, 2};
    cql_reader r = cql_reader_make(three, sizeof three);
    cql_type *t = NULL;
    CHECK_EQ_INT(cql_type_parse(&r, &lim, &t), CQL_E_LIMIT);
    CHECK(t == NULL);
}

/* list<list<...<int>...>> with `lists` lists */
static size_t nested_lists(uint8_t *out, size_t lists)
{
    size_t n = 0;
    for (size_t i = 0; i < lists; i++) {
        out[n++] = 0x00;
        out[n++] = 0x20;
    }
    out[n++] = 0x00;
    out[n++] = 0x09;
    return n;
}

TEST(depth_beyond_the_limit_fails)
{
    uint8_t bytes[4096];
    cql_rc rc;
    cql_diag d;
    /* 31 lists and the int: 32 levels, the default limit */
    cql_type *t = parse(bytes, nested_lists(bytes, 31), &rc, &d);
    CHECK(t != NULL);
    cql_type_free(t);
    CHECK(parse(bytes, nested_lists(bytes, 32), &rc, &d) == NULL);
    CHECK_EQ_INT(rc, CQL_E_LIMIT);
    CHECK_EQ_INT(d.offset, 64);

    /* a caller's limit above the ceiling is capped, so the stack is safe */
    cql_limits lim = {0, 100000, 0};
    cql_reader r = cql_reader_make(bytes, nested_lists(bytes, 2000));
    t = NULL;
    CHECK_EQ_INT(cql_type_parse(&r, &lim, &t), CQL_E_LIMIT);
    CHECK(t == NULL);

    char name[4096] = "";
    for (int i = 0; i < 40; i++)
        strcat(name, "ListType(");
    strcat(name, "Int32Type");
    for (int i = 0; i < 40; i++)
        strcat(name, ")");
    CHECK_EQ_INT(cql_type_parse_class(name, strlen(name), NULL, &t, &d), CQL_E_LIMIT);
    CHECK(t == NULL);
}

TEST(deep_wrappers_neither_count_as_depth_nor_recurse)
{
    size_t wrappers = 20000, n = 0;
    char *name = malloc(wrappers * 14 + 16);
    REQUIRE(name != NULL);
    for (size_t i = 0; i < wrappers; i++)
        n += (size_t)sprintf(name + n, "%s", i % 2 ? "FrozenType(" : "ReversedType(");
    n += (size_t)sprintf(name + n, "Int32Type");
    for (size_t i = 0; i < wrappers; i++)
        name[n++] = ')';
    cql_type *t = NULL;
    CHECK_EQ_INT(cql_type_parse_class(name, n, NULL, &t, NULL), CQL_OK);
    CHECK(t != NULL && t->kind == CQL_TYPE_INT);
    cql_type_free(t);
    free(name);
}

TEST(names_with_nul_bytes_and_unknown_ids_are_malformed)
{
    const uint8_t nul[] = {0x00, 0x00, 0x00, 0x03, 'a', 0x00, 'b'};
    const uint8_t text_v2[] = {0x00, 0x0A}; /* "text" of protocol v1/v2, gone since v3 */
    cql_rc rc;
    cql_diag d;
    CHECK(parse(nul, sizeof nul, &rc, &d) == NULL);
    CHECK_EQ_INT(rc, CQL_E_MALFORMED);
    CHECK_EQ_INT(d.offset, 2);
    CHECK(parse(text_v2, sizeof text_v2, &rc, &d) == NULL);
    CHECK_EQ_INT(rc, CQL_E_MALFORMED);
}

TEST(null_arguments_are_refused)
{
    cql_reader r = cql_reader_make(map_of_lists, sizeof map_of_lists);
    CHECK_EQ_INT(cql_type_parse(NULL, NULL, NULL), CQL_E_ARG);
    CHECK_EQ_INT(cql_type_parse(&r, NULL, NULL), CQL_E_ARG);
    CHECK_EQ_INT(cql_type_parse_class("Int32Type", 9, NULL, NULL, NULL), CQL_E_ARG);
    CHECK(cql_type_clone(NULL) == NULL);
    CHECK_EQ_INT(cql_type_fixed_size(NULL), 0);
    cql_type_encode(NULL, NULL);
    cql_type_free(NULL);
}

int main(void)
{
    RUN(every_type_id_of_the_v4_and_v5_specs_parses_to_its_kind);
    RUN(no_id_outside_the_spec_tables_is_accepted);
    RUN(nested_collections_parse_and_format_with_frozen);
    RUN(udt_keeps_keyspace_name_and_fields);
    RUN(custom_vector_class_becomes_a_vector);
    RUN(other_custom_classes_and_broken_vectors_stay_custom);
    RUN(a_duration_sent_as_custom_is_a_duration);
    RUN(every_marshal_class_maps_to_its_kind);
    RUN(composite_class_names_parse_with_wrappers_unwrapped);
    RUN(vector_classes_nest_and_keep_variable_elements);
    RUN(unknown_classes_keep_their_text_and_parameters);
    RUN(unknown_class_text_stops_before_the_blanks_of_its_parent);
    RUN(malformed_class_names_fail_with_an_offset);
    RUN(option_encoding_round_trips_byte_for_byte);
    RUN(vectors_encode_as_the_class_cassandra_writes);
    RUN(class_names_round_trip_through_the_writer);
    RUN(clone_is_deep_and_equal_tells_differences);
    RUN(format_truncates_like_snprintf);
    RUN(fixed_sizes_follow_cassandra_value_length_if_fixed);
    RUN(every_truncation_fails_cleanly_with_an_offset_inside_the_buffer);
    RUN(hostile_counts_fail_before_allocating);
    RUN(depth_beyond_the_limit_fails);
    RUN(deep_wrappers_neither_count_as_depth_nor_recurse);
    RUN(names_with_nul_bytes_and_unknown_ids_are_malformed);
    RUN(null_arguments_are_refused);
    return harness_done();
}
