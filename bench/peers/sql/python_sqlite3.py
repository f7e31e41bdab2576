"""W13 sql_mix with Python's sqlite3 (synchronous, no thread hop): N
single-row INSERTs in one transaction, then N point queries by primary key,
on a new file in WAL mode as std.sql opens it.

    python3 python_sqlite3.py N
"""
import os
import sqlite3
import sys
import tempfile
import time


def main():
    n = int(sys.argv[1])
    fd, path = tempfile.mkstemp(suffix=".db")
    os.close(fd)
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)")
    start = time.monotonic()
    db.execute("BEGIN")
    for i in range(1, n + 1):
        db.execute("INSERT INTO t (id, v) VALUES (?, ?)", (i, "value %d" % i))
    db.execute("COMMIT")
    inserted = time.monotonic()
    for i in range(1, n + 1):
        row = db.execute("SELECT v FROM t WHERE id = ?", (i,)).fetchone()
        assert row[0] == "value %d" % i
    done = time.monotonic()
    db.close()
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)
    print("RESULT seconds=%.9f insert_us=%.3f query_us=%.3f" % (
        done - start, (inserted - start) * 1e6 / n, (done - inserted) * 1e6 / n))


if __name__ == "__main__":
    main()
