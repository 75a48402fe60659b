package engine

import "github.com/keygrid/keygrid/engine/config"

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
		lolwutCommands,
		configCommands,
		commandCommands,
		infoCommands,
		clientCommands,
		debugCommands,
		moduleCommands,
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

// The config loader checks rename-command lines against the command names, with
// Redis's messages and the file's line; it can't import the engine, so the engine
// hands it the names.
func init() {
	config.CommandNames = func() []string {
		var names []string
		for _, fam := range commandFamilies() {
			for _, spec := range fam {
				names = append(names, spec.Name)
			}
		}
		return names
	}
}
