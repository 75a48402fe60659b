package engine

// commandFamilies lists the command table, one family per file (Redis's t_*.c split).
// Each family is a literal slice of specs next to its handlers; together they are the
// table that COMMAND, ACL categories, the dispatcher and docs/commands.md read.
func commandFamilies() [][]*Command {
	return [][]*Command{
		connectionCommands,
		aclCommands,
		stringCommands,
		listCommands,
		bitmapCommands,
		hllCommands,
		sortCommands,
		keyCommands,
		expireCommands,
		dbCommands,
		serverCommands,
		configCommands,
		commandCommands,
		infoCommands,
		clientCommands,
		debugCommands,
		dumpCommands,
		setCommands,
		hashCommands,
		streamCommands,
		zsetCommands,
		geoCommands,
		pubsubCommands,
		multiCommands,
		persistCommands,
		aofCommands,
		scriptCommands,
		functionCommands,
		replMasterCommands,
		clusterCommands,
		migrateCommands,
		replReplicaCommands,
		replFailoverCommands,
	}
}
