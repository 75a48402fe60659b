package engine

var bitmapCommands = []*Command{}
