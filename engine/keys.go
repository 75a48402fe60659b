package engine

var keyCommands = []*Command{}
