//go:build race

package testutil

// raceEnabled: the test binary was built with -race, so keygrid is too.
const raceEnabled = true
