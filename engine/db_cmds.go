package engine

// Whole-database commands (Redis's db.c): FLUSHDB, FLUSHALL, SWAPDB, DBSIZE. SELECT is
// with the connection commands.

// The specs (arity, flags, key specs, docs) are those Redis 7.0 reports in COMMAND
// INFO and COMMAND DOCS.
var dbCommands = []*Command{
	{Name: "swapdb", Arity: 3, Flags: FlagWrite | FlagFast, Cats: CatKeyspace | CatDangerous,
		Group: "server", Since: "4.0.0", Complexity: "O(N) where N is the count of clients watching or blocking on keys from both databases.",
		Summary: "Swaps two Redis databases",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "index1", Type: "integer"},
			{Name: "index2", Type: "integer"},
		}},
		Proc: swapdbCommand},
	{Name: "flushdb", Arity: -1, Flags: FlagWrite, Cats: CatKeyspace | CatDangerous,
		Group: "server", Since: "1.0.0", Complexity: "O(N) where N is the number of keys in the selected database",
		Summary: "Remove all keys from the current database",
		Tips:    []string{"request_policy:all_shards", "response_policy:all_succeeded"},
		Doc: &CmdDoc{History: [][2]string{{"4.0.0", "Added the `ASYNC` flushing mode modifier."}, {"6.2.0", "Added the `SYNC` flushing mode modifier."}},
			Args: []Arg{
				{Name: "async", Type: "oneof", Optional: true, Args: []Arg{
					{Name: "async", Type: "pure-token", Token: "ASYNC", Since: "4.0.0"},
					{Name: "sync", Type: "pure-token", Token: "SYNC", Since: "6.2.0"},
				}},
			}},
		Proc: flushdbCommand},
	{Name: "flushall", Arity: -1, Flags: FlagWrite, Cats: CatKeyspace | CatDangerous,
		Group: "server", Since: "1.0.0", Complexity: "O(N) where N is the total number of keys in all databases",
		Summary: "Remove all keys from all databases",
		Tips:    []string{"request_policy:all_shards", "response_policy:all_succeeded"},
		Doc: &CmdDoc{History: [][2]string{{"4.0.0", "Added the `ASYNC` flushing mode modifier."}, {"6.2.0", "Added the `SYNC` flushing mode modifier."}},
			Args: []Arg{
				{Name: "async", Type: "oneof", Optional: true, Args: []Arg{
					{Name: "async", Type: "pure-token", Token: "ASYNC", Since: "4.0.0"},
					{Name: "sync", Type: "pure-token", Token: "SYNC", Since: "6.2.0"},
				}},
			}},
		Proc: flushallCommand},
	{Name: "dbsize", Arity: 1, Flags: FlagReadonly | FlagFast, Cats: CatKeyspace,
		Group: "server", Since: "1.0.0", Complexity: "O(1)",
		Summary: "Return the number of keys in the selected database",
		Tips:    []string{"request_policy:all_shards", "response_policy:agg_sum"},
		Proc:    dbsizeCommand},
}

// parseFlushMode checks FLUSHDB/FLUSHALL's optional ASYNC|SYNC. Both modes do the same
// here: DB.Flush swaps in empty dicts in O(1) and the garbage collector frees the old
// ones in the background, which is what ASYNC gives in Redis, at the cost of SYNC.
// async is the mode Redis would use (no argument: lazyfree-lazy-user-flush), which
// decides whether the keys count in lazyfreed_objects.
func (c *Client) parseFlushMode() (async, ok bool) {
	switch {
	case len(c.argv) == 1:
		return c.srv.cfg.LazyfreeLazyUserFlush, true
	case len(c.argv) == 2 && eqFold(c.argv[1], "async"):
		return true, true
	case len(c.argv) == 2 && eqFold(c.argv[1], "sync"):
		return false, true
	}
	c.ReplyError(ErrSyntax)
	return false, false
}

// FLUSHDB [ASYNC|SYNC]
func flushdbCommand(c *Client) {
	async, ok := c.parseFlushMode()
	if !ok {
		return
	}
	s := c.srv
	for _, h := range s.onFlush {
		h(c.db.id)
	}
	n := c.db.Flush()
	if async {
		s.lazyfreeFlushed(n)
	}
	s.dirty += int64(n)
	for _, h := range s.afterFlush {
		h(c.db.id)
	}
	// Replicas and the AOF get FLUSHDB even when the database was already empty.
	c.flags |= flagForcePropagate
	c.ReplyOK()
}

// FLUSHALL [ASYNC|SYNC]
func flushallCommand(c *Client) {
	async, ok := c.parseFlushMode()
	if !ok {
		return
	}
	s := c.srv
	for _, h := range s.onFlush {
		h(-1)
	}
	n := 0
	for _, db := range s.dbs {
		n += db.Flush()
	}
	if async {
		s.lazyfreeFlushed(n)
	}
	s.dirty += int64(n)
	// Redis 7.0 also saves an empty RDB here when save points are configured (which
	// resets the change count): the persistence part does that in an afterFlush hook.
	for _, h := range s.afterFlush {
		h(-1)
	}
	c.flags |= flagForcePropagate
	c.ReplyOK()
}

// SWAPDB index1 index2
//
// Clients keep their selected database number: the contents move, not the clients.
func swapdbCommand(c *Client) {
	s := c.srv
	if s.cfg.ClusterEnabled {
		c.ReplyError("ERR SWAPDB is not allowed in cluster mode")
		return
	}
	id1, ok := c.parseDBIndex(c.argv[1], "ERR invalid first DB index")
	if !ok {
		return
	}
	id2, ok := c.parseDBIndex(c.argv[2], "ERR invalid second DB index")
	if !ok {
		return
	}
	if id1 < 0 || id1 >= len(s.dbs) || id2 < 0 || id2 >= len(s.dbs) {
		c.ReplyError(ErrDBIndex)
		return
	}
	if id1 != id2 {
		a, b := s.dbs[id1], s.dbs[id2]
		for _, h := range s.onSwapDB {
			h(a, b)
		}
		a.swap(b)
	}
	s.dirty++
	c.ReplyOK()
}

// DBSIZE
//
// Keys whose time has passed count until they are collected, as in Redis.
func dbsizeCommand(c *Client) { c.ReplyInt(int64(c.db.Len())) }
