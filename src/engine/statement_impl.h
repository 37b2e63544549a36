/*
 * The inside of a cql_statement, shared by the files that implement it:
 *   statement.c         creation, options, accessors, clone, free
 *   statement_values.c  the value slots and the buffer their cells live in
 *   statement_errors.c  binding errors and how long they last
 *   bind.c              the public binders
 *   batch.c             batches
 *   statement_send.c    cql_statement_check and cql_statement_encode
 * Nothing outside those files looks inside; the session uses statement.h.
 */
#ifndef CQLIO_ENGINE_STATEMENT_IMPL_H
#define CQLIO_ENGINE_STATEMENT_IMPL_H

#include "engine/prepared.h"
#include "engine/statement.h"
#include "engine/value.h"

/* The longest query text accepted: what one request body can carry. A
 * longer one makes a statement that cql_statement_check refuses. */
#define CQL_QUERY_MAX_BYTES CQL_ENVELOPE_MAX_BODY
/* The most values one QUERY, EXECUTE or BATCH entry carries ([short] n). */
#define CQL_VALUES_MAX 65535u
/* The most statements one BATCH carries ([short] n). */
#define CQL_BATCH_MAX 65535u

/* How a simple statement's values are addressed: positional and named
 * values cannot share one QUERY (the Names flag is for all or none). */
typedef enum cql_naming {
    CQL_NAMING_NONE,
    CQL_NAMING_POSITIONAL,
    CQL_NAMING_NAMED,
} cql_naming;

/* One bind marker's value. */
typedef struct cql_slot {
    bool bound;
    int32_t len; /* the cell: >= 0 bytes, CQL_NULL or CQL_UNSET */
    size_t off;  /* where the cell's bytes start in the statement's values buffer */
    char *name;  /* simple statement bound by name: the name (owned, NUL-terminated) */
    size_t name_len;
} cql_slot;

/* A binding error not yet mended (see statement_errors.c). */
#define CQL_NO_SLOT SIZE_MAX
typedef struct cql_bind_error {
    size_t slot; /* the value it is about, or CQL_NO_SLOT: then it lasts */
    cql_rc rc;
    char *message; /* owned */
} cql_bind_error;

/* One custom payload entry, both parts owned. */
typedef struct cql_payload_entry {
    char *key;
    size_t key_len;
    uint8_t *value;
    size_t len;
} cql_payload_entry;

struct cql_statement {
    cql_statement_kind kind;

    /* SIMPLE: the query text (owned, NUL-terminated; NULL when over-long). */
    char *query;
    size_t query_len;
    /* BOUND: a reference to the prepared statement. */
    cql_prepared *prepared;

    /* SIMPLE and BOUND: one slot per bind marker; the cells, each as [bytes],
     * in one buffer. Rebinding appends, so `garbage` counts bytes no slot
     * refers to any more; the buffer is compacted when they dominate. */
    cql_slot *slots;
    size_t slot_count;
    cql_naming naming;
    cql_buf values;
    size_t garbage;

    /* BATCH: deep copies of the statements added. */
    uint8_t batch_type;
    cql_statement **children;
    size_t child_count;
    size_t child_cap;

    /* Options (statement.h, cqlio.h). */
    bool has_consistency;
    uint16_t consistency;
    bool has_serial;
    uint16_t serial;
    int32_t page_size; /* 0: the session's; < 0: no paging */
    uint8_t *paging_state;
    size_t paging_state_len;
    bool has_timestamp;
    int64_t timestamp;
    bool idempotent;
    bool tracing;
    uint32_t timeout_ms;
    char *keyspace;
    cql_payload_entry *payload;
    size_t payload_count;

    /* Binding errors not yet mended, oldest first; `error` shows the newest.
     * errors_lost: one could not be recorded (out of memory), so the
     * statement can never be sent. */
    cql_bind_error *errors;
    size_t error_count;
    size_t error_cap;
    bool errors_lost;
    cql_error_box error;
};

/* statement.c */

/* A zeroed statement of this kind with an empty error; NULL when out of
 * memory. The caller fills the rest and frees it with cql_statement_free. */
cql_statement *cql_statement_alloc(cql_statement_kind kind);

/* statement_values.c */

/* Gives st `count` unbound slots. CQL_E_NOMEM leaves st without slots. */
cql_rc cql_slots_init(cql_statement *st, size_t count);
/* Frees the slots, their names and the values buffer. */
void cql_slots_free(cql_statement *st);
/* Slot i's cell as a [value] borrowed from st (valid until st changes);
 * an unbound slot reads as unset. */
cql_value cql_slot_value(const cql_statement *st, size_t i);
/* Encodes g for each of the n slots listed (for its bind marker's type when
 * st is bound, by g's tag when simple) and, only when every one succeeded,
 * makes them the slots' values. On failure no slot changes, *failed is the
 * position in `slots` of the one that failed, and why holds the encoder's
 * clause (cql_given_encode). */
cql_rc cql_slots_store(cql_statement *st, const size_t *slots, size_t n, const cql_given *g,
                       size_t *failed, char *why, size_t cap);
/* Copies src's slots, names and cells into dst (which has none), leaving
 * out the garbage. CQL_E_NOMEM leaves dst without slots. */
cql_rc cql_slots_copy(cql_statement *dst, const cql_statement *src);
/* The bytes src's bound cells take on the wire, [int] lengths included. */
size_t cql_slots_wire_size(const cql_statement *st);

/* statement_errors.c */

/* Records a binding error about slot (CQL_NO_SLOT: about none) and shows it
 * in st->error; an older error about the same slot is replaced. */
void cql_statement_fail(cql_statement *st, size_t slot, cql_rc rc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* A binding of slot succeeded: its error, if any, is mended, and st->error
 * shows the newest error left (or none). */
void cql_statement_mended(cql_statement *st, size_t slot);
/* True while any binding error is left. */
bool cql_statement_has_errors(const cql_statement *st);
/* Copies src's binding errors into dst (which has none). */
cql_rc cql_statement_errors_copy(cql_statement *dst, const cql_statement *src);
void cql_statement_errors_free(cql_statement *st);

/* statement_send.c */

/* What can be judged without a protocol version: no binding error left, and
 * every value bound (null and unset count). Fills err on failure. Batches:
 * their children. */
cql_rc cql_statement_check_values(const cql_statement *st, cql_error_box *err);

#endif
