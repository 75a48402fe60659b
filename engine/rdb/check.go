package rdb

// check-rdb: `keygrid check-rdb FILE`, redis-check-rdb's report — the aux
// fields and databases as they are read, then either "RDB looks OK" with the
// counts or the offset and reason of the first error.

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

// CheckMain runs check-rdb with args (the file name) and returns the exit
// status: 0 when the file is sound, 1 otherwise.
func CheckMain(args []string, out io.Writer) int {
	if len(args) != 1 {
		fmt.Fprintf(out, "Usage: keygrid check-rdb <rdb-file-name>\n")
		return 1
	}
	if Check(args[0], out) != nil {
		return 1
	}
	return 0
}

// Check parses the RDB file at path, writing redis-check-rdb's report to out.
func Check(path string, out io.Writer) error {
	bw := bufio.NewWriter(out)
	defer bw.Flush()
	fmt.Fprintf(bw, "[offset 0] Checking RDB file %s\n", path)
	f, err := os.Open(path)
	if err != nil {
		return err // redis-check-rdb says no more than the line above, and exits 1
	}
	defer f.Close()
	r := NewReader(f)
	var keys, expires, expired, empty int64
	now := time.Now().UnixMilli()
	h := &Handler{
		Aux: func(k, v []byte) error {
			fmt.Fprintf(bw, "[offset %d] AUX FIELD %s = '%s'\n", r.Offset(), k, v)
			return nil
		},
		SelectDB: func(db uint64) error {
			fmt.Fprintf(bw, "[offset %d] Selecting DB ID %d\n", r.Offset(), db)
			return nil
		},
		Function: func([]byte) error { return nil },
		Key: func(k *Key) error {
			keys++
			if k.Expire != -1 {
				expires++
				if k.Expire < now {
					expired++
				}
			}
			return nil
		},
		EmptyKey: func(uint64, []byte) error { empty++; return nil },
	}
	res, err := Parse(r, h, ParseOptions{Options: Options{CheckDups: true, Now: now}})
	if err != nil {
		fmt.Fprintf(bw, "--- RDB ERROR DETECTED ---\n")
		var e *Error
		if errors.As(err, &e) {
			if e.Doing == "read-object-value" {
				keys++ // counted once its name is read, as redis-check-rdb does
			}
			fmt.Fprintf(bw, "[offset %d] %s\n", e.Offset, e.Reason)
			if e.Doing != "" {
				fmt.Fprintf(bw, "[additional info] While doing: %s\n", e.Doing)
			}
			if e.Key != nil {
				fmt.Fprintf(bw, "[additional info] Reading key '%s'\n", e.Key)
			}
			if e.Type >= 0 {
				fmt.Fprintf(bw, "[additional info] Reading type %d (%s)\n", e.Type, TypeName(byte(e.Type)))
			}
		} else {
			fmt.Fprintf(bw, "[offset %d] %v\n", r.Offset(), err)
		}
	} else {
		if res.Version >= 5 {
			if res.Checksum == 0 {
				fmt.Fprintf(bw, "[offset %d] RDB file was saved with checksum disabled: no check performed.\n", r.Offset())
			} else {
				fmt.Fprintf(bw, "[offset %d] Checksum OK\n", r.Offset())
			}
		}
		fmt.Fprintf(bw, "[offset %d] \\o/ RDB looks OK! \\o/\n", r.Offset())
	}
	fmt.Fprintf(bw, "[info] %d keys read\n", keys)
	fmt.Fprintf(bw, "[info] %d expires\n", expires)
	fmt.Fprintf(bw, "[info] %d already expired\n", expired)
	if empty > 0 {
		fmt.Fprintf(bw, "[info] %d empty keys skipped\n", empty)
	}
	return err
}
