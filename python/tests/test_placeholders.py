"""Markers are rewritten for the server, never filled in with values."""
import pytest

from cqlio.placeholders import FORMAT, PYFORMAT, QMARK, Markers, order_values, scan


class TestScan:
    def test_format_markers_become_question_marks(self):
        m = scan("INSERT INTO t (a, b) VALUES (%s, %s)")
        assert m == Markers("INSERT INTO t (a, b) VALUES (?, ?)", FORMAT, 2, ())

    def test_named_markers_become_colon_names(self):
        m = scan("UPDATE t SET v = %(value)s WHERE k = %(key)s")
        assert m.text == "UPDATE t SET v = :value WHERE k = :key"
        assert m.style == PYFORMAT and m.names == ("value", "key")

    def test_question_marks_are_counted_and_kept(self):
        m = scan("SELECT * FROM t WHERE a = ? AND b = ?")
        assert m.text == "SELECT * FROM t WHERE a = ? AND b = ?"
        assert (m.style, m.positional) == (QMARK, 2)

    def test_markers_inside_string_literals_are_text(self):
        m = scan("INSERT INTO t (a, b) VALUES (%s, 'it''s %s and ? 100%')")
        assert m.text == "INSERT INTO t (a, b) VALUES (?, 'it''s %s and ? 100%')"
        assert m.positional == 1

    def test_markers_inside_dollar_strings_identifiers_and_comments_are_text(self):
        q = ('SELECT "col%s?" FROM t -- %s ?\n'
             "WHERE a = %s /* ? %s */ AND b = $$ %s ? $$ // %s\n")
        m = scan(q)
        assert m.positional == 1
        assert m.text == q.replace("a = %s", "a = ?")

    def test_double_percent_is_a_percent_sign(self):
        assert scan("SELECT a %% 2 FROM t WHERE k = %s").text == "SELECT a % 2 FROM t WHERE k = ?"

    def test_no_rewrite_without_values(self):
        q = "SELECT a %% 2 FROM t WHERE k = %s"
        assert scan(q, rewrite_percent=False).text == q

    def test_no_markers(self):
        m = scan("SELECT * FROM t")
        assert m.style is None and m.positional == 0 and m.text == "SELECT * FROM t"

    @pytest.mark.parametrize("query", [
        "SELECT * FROM t WHERE a = %s AND b = %(b)s",
        "SELECT * FROM t WHERE a = ? AND b = %s",
    ])
    def test_mixed_styles_are_refused(self, query):
        with pytest.raises(ValueError, match="mixes"):
            scan(query)

    @pytest.mark.parametrize("query", ["SELECT %d FROM t", "SELECT %(a FROM t", "SELECT %(a)d",
                                       "SELECT %(1a)s", "SELECT 5 %"])
    def test_malformed_percent_is_refused(self, query):
        with pytest.raises(ValueError):
            scan(query)

    def test_unterminated_literal_is_left_to_the_server(self):
        m = scan("SELECT 'abc %s")
        assert m.positional == 0 and m.text == "SELECT 'abc %s"


class TestOrderValues:
    def test_sequence_matches_marker_count(self):
        m = scan("INSERT INTO t (a, b) VALUES (%s, %s)")
        assert order_values(m, ("a", "b"), (1, "x")) == [1, "x"]
        with pytest.raises(ValueError, match="2 bind markers, 3 values"):
            order_values(m, ("a", "b"), (1, 2, 3))
        with pytest.raises(ValueError, match="2 bind markers, 1 value"):
            order_values(m, ("a", "b"), [1])

    def test_mapping_in_marker_order(self):
        m = scan("UPDATE t SET v = %(value)s WHERE k = %(key)s")
        assert order_values(m, ("value", "key"), {"key": 1, "value": "v"}) == ["v", 1]

    def test_mapping_names_keep_their_case(self):
        m = scan("UPDATE t SET v = %(userName)s WHERE k = %(Key)s")
        # the server lower-cases unquoted marker names
        assert order_values(m, ("username", "key"), {"Key": 1, "userName": "v"}) == ["v", 1]

    def test_missing_name_is_a_key_error_naming_it(self):
        m = scan("UPDATE t SET v = %(value)s WHERE k = %(key)s")
        with pytest.raises(KeyError, match="key"):
            order_values(m, ("value", "key"), {"value": 1})

    def test_extra_name_is_an_error_naming_it(self):
        m = scan("UPDATE t SET v = %(value)s WHERE k = %(key)s")
        with pytest.raises(ValueError, match="extra"):
            order_values(m, ("value", "key"), {"value": 1, "key": 2, "extra": 3})

    def test_repeated_name_fills_every_marker(self):
        m = scan("SELECT * FROM t WHERE a = %(x)s AND b = %(x)s")
        assert order_values(m, ("x", "x"), {"x": 7}) == [7, 7]

    def test_native_named_markers_use_server_names(self):
        m = scan("SELECT * FROM t WHERE a = :first AND b = :second")
        assert order_values(m, ("first", "second"), {"second": 2, "first": 1}) == [1, 2]

    def test_style_and_container_must_agree(self):
        with pytest.raises(TypeError):
            order_values(scan("SELECT * FROM t WHERE a = %s"), ("a",), {"a": 1})
        with pytest.raises(TypeError):
            order_values(scan("SELECT * FROM t WHERE a = %(a)s"), ("a",), [1])
        with pytest.raises(TypeError):
            order_values(scan("SELECT * FROM t WHERE a = %s"), ("a",), "x")

    def test_injection_attempt_is_just_a_value(self):
        evil = "x'); DROP TABLE t; --"
        m = scan("INSERT INTO t (k, v) VALUES (%s, %s)")
        assert m.text == "INSERT INTO t (k, v) VALUES (?, ?)"
        assert order_values(m, ("k", "v"), (1, evil)) == [1, evil]
