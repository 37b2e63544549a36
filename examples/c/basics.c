/*
 * cqlio-basics [HOST] — the blocking way to use libcqlio, for programs that
 * simply want answers: a session on its own loop thread, cql_future_wait
 * after each call. Creates a keyspace and a table, inserts with a simple
 * statement, reads back with a prepared one, writes a batch, and shows what
 * an error looks like.
 */
#include <cqlio.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { WAIT_MS = 15000 };

/* Runs a statement; prints the error and returns NULL when it fails. */
static cql_result *run(cql_session *session, const cql_statement *st)
{
    CQL_SCOPED(cql_future) f = cql_session_execute(session, st);
    if (cql_future_wait(f, WAIT_MS) != CQL_OK) {
        const cql_error *e = cql_future_error(f);
        fprintf(stderr, "error: %s\n", e ? e->message : "no answer in time");
        return NULL;
    }
    return cql_future_take_result(f);
}

static int run_text(cql_session *session, const char *query)
{
    CQL_SCOPED(cql_statement) st = cql_statement_new(query, 0);
    CQL_SCOPED(cql_result) r = run(session, st);
    return r != NULL ? 0 : -1;
}

int main(int argc, char **argv)
{
    cql_session_config config = {
        .contact_points = argc > 1 ? argv[1] : "127.0.0.1",
        .application_name = "cqlio-basics",
    };
    char err[256];
    CQL_SCOPED(cql_session) session = NULL; /* closed on every way out */
    if (cql_session_new(&config, NULL, &session, err, sizeof err) != CQL_OK) {
        fprintf(stderr, "bad configuration: %s\n", err);
        return 1;
    }
    CQL_SCOPED(cql_future) connected = cql_session_connect(session);
    if (cql_future_wait(connected, WAIT_MS) != CQL_OK) {
        fprintf(stderr, "cannot connect: %s\n", cql_future_error(connected)->message);
        return 1;
    }
    printf("connected with protocol v%u\n", (unsigned)cql_session_protocol_version(session));

    if (run_text(session, "CREATE KEYSPACE IF NOT EXISTS cqlio_examples WITH replication = "
                          "{'class': 'SimpleStrategy', 'replication_factor': 1}") != 0 ||
        run_text(session, "CREATE TABLE IF NOT EXISTS cqlio_examples.users "
                          "(id int PRIMARY KEY, name text, score double)") != 0)
        return 1;

    /* A simple statement with positional values. */
    CQL_SCOPED(cql_statement) insert =
        cql_statement_new("INSERT INTO cqlio_examples.users (id, name, score) VALUES (?, ?, ?)", 3);
    cql_statement_bind_int32(insert, 0, 1);
    cql_statement_bind_string(insert, 1, "Ada", 3);
    cql_statement_bind_double(insert, 2, 97.5);
    CQL_SCOPED(cql_result) inserted = run(session, insert);
    if (inserted == NULL)
        return 1;

    /* A prepared statement: values are checked against the column types. */
    CQL_SCOPED(cql_future) prepare =
        cql_session_prepare(session, "INSERT INTO cqlio_examples.users (id, name, score) "
                                     "VALUES (?, ?, ?)");
    if (cql_future_wait(prepare, WAIT_MS) != CQL_OK) {
        fprintf(stderr, "prepare: %s\n", cql_future_error(prepare)->message);
        return 1;
    }
    CQL_SCOPED(cql_prepared) insert_prepared = cql_future_take_prepared(prepare);

    /* A batch of bound statements, applied together. */
    CQL_SCOPED(cql_statement) batch = cql_batch_new(CQL_BATCH_LOGGED);
    const char *names[] = {"Grace", "Edsger", "Barbara"};
    for (int i = 0; i < 3; i++) {
        CQL_SCOPED(cql_statement) row = cql_prepared_bind(insert_prepared);
        cql_statement_bind_int32_by_name(row, "id", i + 2);
        cql_statement_bind_string_by_name(row, "name", names[i], strlen(names[i]));
        cql_statement_bind_double_by_name(row, "score", 90.0 + i);
        cql_batch_add(batch, row);
    }
    CQL_SCOPED(cql_result) batched = run(session, batch);
    if (batched == NULL)
        return 1;

    /* A mistake caught before anything is sent: the error names the column. */
    CQL_SCOPED(cql_statement) wrong = cql_prepared_bind(insert_prepared);
    if (cql_statement_bind_string(wrong, 0, "seven", 5) != CQL_OK)
        printf("caught: %s\n", cql_statement_error(wrong)->message);

    /* Read everything back. */
    CQL_SCOPED(cql_statement) select =
        cql_statement_new("SELECT id, name, score FROM cqlio_examples.users", 0);
    CQL_SCOPED(cql_result) rows = run(session, select);
    if (rows == NULL)
        return 1;
    while (cql_result_next(rows)) {
        int32_t id = 0;
        cql_str name = {0};
        double score = 0;
        cql_cell_int32(cql_result_cell(rows, 0), &id);
        cql_cell_string(cql_result_cell(rows, 1), &name);
        cql_cell_double(cql_result_cell(rows, 2), &score);
        printf("%d %.*s %.1f\n", id, (int)name.len, name.ptr, score);
    }

    /* A server error keeps its code and fields. */
    CQL_SCOPED(cql_future) bad = cql_session_query(session, "SELECT * FROM no_such_table");
    if (cql_future_wait(bad, WAIT_MS) == CQL_E_SERVER)
        printf("server said: %s (code 0x%04x)\n", cql_future_error(bad)->message,
               (unsigned)cql_future_error(bad)->server->code);
    return 0;
}
