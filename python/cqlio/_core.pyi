# The C extension's interface (python/src/). The Python layer in this package is
# the only user; applications use cqlio's public API instead.
import asyncio
from typing import Any, Callable, Mapping, Optional, Sequence, Tuple, Union

UNSET: object  # bound as "unset" (cqlio.query.UNSET_VALUE is this object)

def set_types(
    *,
    Date: type,
    Time: type,
    Duration: type,
    SortedSet: type,
    OrderedMapSerializedKey: type,
    udt_factory: Callable[[str, str, tuple, tuple], Any],
    error_factory: Callable[[dict], BaseException],
    row_class: Callable[[Tuple[str, ...]], type],
) -> None:
    """Registers the Python classes values are converted to, the factory
    that turns an error (a dict, see Session) into an exception instance,
    and row_class(column_names), the class named rows are built as (a tuple
    subclass without fields of its own: a namedtuple class)."""

class Prepared:
    query: str
    keyspace: Optional[str]
    param_names: tuple[str, ...]
    param_types: tuple[str, ...]      # CQL types as cql_type_format spells them: "int", "list<text>"
    column_names: tuple[str, ...]     # of the rows it returns
    column_types: tuple[str, ...]
    id: bytes

class Page:
    rows: list[tuple]                 # one tuple per row, values converted
    column_names: tuple[str, ...]
    column_types: tuple[str, ...]
    paging_state: Optional[bytes]     # None when there are no more pages
    has_more_pages: bool
    warnings: list[str]
    tracing_id: Optional[bytes]       # 16 bytes when tracing was asked
    was_applied: bool                 # LWT [applied]; True without that column
    custom_payload: Optional[dict[str, bytes]]

class Stream:
    page_number: int                  # pages received so far
    rows_fetched: int
    closed: bool
    paging_state: Optional[bytes]     # after the current page
    def next_page(self) -> "asyncio.Future[Optional[Page]]":
        """The next page (None at the end); raises the stream's error. One at a time."""
    def close(self) -> None:
        """Idempotent: abandons a fetch in flight, frees buffered pages."""

Values = Union[Sequence[Any], Mapping[str, Any], None]

class Session:
    """Runs on the asyncio loop running when it is created (no threads)."""
    def __init__(
        self,
        contact_points: str,              # "127.0.0.1,10.0.0.2:9043": numeric addresses (the Python layer resolves names)
        *,
        port: int = 9042,
        keyspace: Optional[str] = None,
        username: Optional[str] = None,
        password: Optional[str] = None,
        protocol_version: int = 0,        # 0: v5 then v4
        compression: bool = True,
        connect_timeout: float = 5.0,     # seconds
        request_timeout: float = 12.0,
        heartbeat_interval: float = 30.0,
        application_name: Optional[str] = None,
        page_size: int = 5000,
        consistency: int = 0,             # 0: LOCAL_ONE
    ) -> None: ...
    def connect(self) -> "asyncio.Future[None]": ...
    def execute(
        self,
        query: Union[str, Prepared],
        values: Values = None,            # needs a Prepared when not None (the layer prepares)
        timeout: Optional[float] = None,  # seconds
        named_rows: bool = False,         # rows built as row_class(column_names) instances
        *,
        consistency: Optional[int] = None,
        serial_consistency: Optional[int] = None,
        page_size: Optional[int] = None,  # rows per page; <0: no paging
        paging_state: Optional[bytes] = None,
        trace: bool = False,
        idempotent: bool = False,
        custom_payload: Optional[Mapping[str, bytes]] = None,
        timestamp: Optional[int] = None,  # microseconds
    ) -> "asyncio.Future[Page]":
        """One request: the first page only. Errors are set on the future as
        error_factory(info) where info has: category ('client', 'server',
        'network', 'timeout'), rc (int), message, host, and for server errors
        code, consistency, required, alive, received, block_for, data_present,
        write_type, keyspace, table, function, arg_types, failures,
        unprepared_id. Cancelling the asyncio future cancels the request."""
    def prepare(self, query: str) -> "asyncio.Future[Prepared]": ...
    def batch(
        self,
        batch_type: int,                  # 0 logged, 1 unlogged, 2 counter
        entries: Sequence[tuple[Union[str, Prepared], Values]],
        *,
        consistency: Optional[int] = None,
        serial_consistency: Optional[int] = None,
        timeout: Optional[float] = None,
        trace: bool = False,
        idempotent: bool = False,
        custom_payload: Optional[Mapping[str, bytes]] = None,
        timestamp: Optional[int] = None,
    ) -> "asyncio.Future[Page]": ...
    def stream(
        self,
        query: Union[str, Prepared],
        values: Values = None,
        *,
        page_size: Optional[int] = None,
        prefetch: int = 1,                # 0: on demand
        max_pages: int = 0,
        page_timeout: Optional[float] = None,
        deadline: Optional[float] = None, # seconds for the whole stream
        consistency: Optional[int] = None,
        paging_state: Optional[bytes] = None,
        page_callback: Optional[Callable[[int, int], None]] = None,
        named_rows: bool = False,
        serial_consistency: Optional[int] = None,
        trace: bool = False,              # every page's request is traced
        idempotent: bool = False,
        custom_payload: Optional[Mapping[str, bytes]] = None,
    ) -> Stream: ...
    def connect_failures(self) -> list:
        """After a failed connect: an exception per host tried, in order; each
        one's ``host`` attribute names the host."""
    def resources(self) -> dict[str, int]:
        """connections, in_flight, reserved_streams, queued, pending_futures,
        prepared, open_streams, buffered_pages, buffered_bytes"""
    def close(self) -> None:
        """Fails every pending future (ConnectionError-like error) and releases
        everything before it returns."""
    protocol_version: int
    keyspace: Optional[str]
    closed: bool
