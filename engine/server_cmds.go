package engine

var serverCommands = []*Command{}
