package engine

// Tests of LOLWUT: the deterministic replies (version line, errors, COMMAND INFO and
// DOCS) byte for byte against redis-server 7.0.15, and for the random art of
// VERSION 5 and 6 the shape of the picture (lines, their widths, the characters used)
// and the footer against redis-server's for the same arguments; plus table tests of
// the canvas primitives.

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/keygrid/keygrid/internal/testutil"
)

// lolwutPair starts redis-server and an in-process keygrid and returns a connection
// to each, both in protocol proto.
func lolwutPair(t *testing.T, proto int) (ref, kg *testutil.Conn) {
	t.Helper()
	if testing.Short() {
		t.Skip("differential test against redis-server skipped with -short")
	}
	rs := testutil.StartRedis(t)
	ref = rs.Conn(t)
	_, addr := startTestServer(t, nil)
	kg, err := testutil.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { kg.Close() })
	for _, c := range []*testutil.Conn{ref, kg} {
		c.SetTimeout(60e9) // the big pictures take a while on a loaded machine
		if proto == 3 {
			if raw, err := c.Do("HELLO", "3"); err != nil || raw[0] != '%' {
				t.Fatalf("HELLO 3: %q %v", raw, err)
			}
		}
	}
	return ref, kg
}

func lolwutDo(t *testing.T, c *testutil.Conn, args ...string) []byte {
	t.Helper()
	raw, err := c.Do(args...)
	if err != nil {
		t.Fatalf("%q: %v", args, err)
	}
	return raw
}

// TestLolwutDiffDeterministic: every reply that does not draw art must equal
// redis-server's byte for byte, in RESP2 (bulk) and RESP3 (verbatim "txt").
func TestLolwutDiffDeterministic(t *testing.T) {
	cmds := [][]string{
		{"LOLWUT"},
		{"lolwut", "VERSION", "7"},
		{"LOLWUT", "version", "4"},
		{"LOLWUT", "VERSION", "50"},
		{"LOLWUT", "VERSION", "0"},
		{"LOLWUT", "VERSION", "-1"},
		{"LOLWUT", "VERSION", "-5"},
		{"LOLWUT", "VERSION", "4294967295"},
		{"LOLWUT", "VERSION", "9223372036854775807"},
		{"LOLWUT", "VERSION", "7", "1", "2", "3", "junk"},
		{"LOLWUT", "VERSION"},           // VERSION without a value is just an argument
		{"LOLWUT", "5", "3", "2"},       // no VERSION: the release's own text
		{"LOLWUT", "foo", "bar", "baz"}, // ignored
		// Errors: getLongFromObjectOrReply's message.
		{"LOLWUT", "VERSION", "x"},
		{"LOLWUT", "VERSION", "5.0"},
		{"LOLWUT", "VERSION", "05"},
		{"LOLWUT", "VERSION", "+5"},
		{"LOLWUT", "VERSION", " 5"},
		{"LOLWUT", "VERSION", ""},
		{"LOLWUT", "VERSION", "99999999999999999999"},
		{"LOLWUT", "VERSION", "5", "x"},
		{"LOLWUT", "VERSION", "5", "10", "1.5"},
		{"LOLWUT", "VERSION", "5", "10", "2", "abc"},
		{"LOLWUT", "VERSION", "5", "99999999999999999999"},
		{"LOLWUT", "VERSION", "6", "x"},
		{"LOLWUT", "VERSION", "6", "10", "-"},
		{"LOLWUT", "VERSION", "4294967302", "1", "y"}, // low 32 bits: 6
		{"COMMAND", "INFO", "lolwut"},
		{"COMMAND", "DOCS", "lolwut"},
		{"COMMAND", "COUNT"},
	}
	for _, proto := range []int{2, 3} {
		ref, kg := lolwutPair(t, proto)
		for _, args := range cmds {
			want, got := lolwutDo(t, ref, args...), lolwutDo(t, kg, args...)
			if args[0] == "COMMAND" && args[1] == "COUNT" {
				// Other commands may still be missing; only check LOLWUT made it in.
				if v, err := testutil.ParseReply(got); err != nil || v.Int < 1 {
					t.Errorf("COMMAND COUNT: %q", got)
				}
				continue
			}
			if string(want) != string(got) {
				t.Errorf("RESP%d %q:\nredis:   %q\nkeygrid: %q", proto, args, want, got)
			}
		}
	}
}

// lolwutShape describes a LOLWUT picture without its random content: per line,
// "B<n>" for n Braille characters (U+2800..U+28FF and nothing else), "C<n>" for n
// terminal cells of the four grays, otherwise the line itself (blank lines, footer).
func lolwutShape(t *testing.T, text string) []string {
	t.Helper()
	var shape []string
	for _, line := range strings.Split(text, "\n") {
		if n, ok := lolwutBraille(line); ok {
			shape = append(shape, fmt.Sprintf("B%d", n))
		} else if n, ok := lolwutCells(line); ok {
			shape = append(shape, fmt.Sprintf("C%d", n))
		} else {
			shape = append(shape, line)
		}
	}
	return shape
}

func lolwutBraille(line string) (int, bool) {
	if line == "" || !utf8.ValidString(line) {
		return 0, false
	}
	n := 0
	for _, r := range line {
		if r < 0x2800 || r > 0x28FF {
			return 0, false
		}
		n++
	}
	return n, true
}

func lolwutCells(line string) (int, bool) {
	if line == "" {
		return 0, false
	}
	n := 0
	for line != "" {
		ok := false
		for _, esc := range lwGrays {
			cell := "\x1b[" + esc + " \x1b[0m"
			if strings.HasPrefix(line, cell) {
				line = line[len(cell):]
				ok = true
				break
			}
		}
		if !ok {
			return 0, false
		}
		n++
	}
	return n, true
}

// lolwutText returns the text of a LOLWUT reply: the bulk in RESP2, the verbatim
// string without its "txt:" in RESP3 (which must be there).
func lolwutText(t *testing.T, raw []byte, proto int) string {
	t.Helper()
	v, err := testutil.ParseReply(raw)
	if err != nil {
		t.Fatalf("reply %.80q: %v", raw, err)
	}
	if proto == 2 {
		if v.Kind != '$' {
			t.Fatalf("RESP2 reply is %c, want a bulk: %.80q", v.Kind, raw)
		}
		return v.Str
	}
	if v.Kind != '=' || !strings.HasPrefix(v.Str, "txt:") {
		t.Fatalf("RESP3 reply is not a txt verbatim string: %.80q", raw)
	}
	return v.Str[4:]
}

// TestLolwutDiffArtShape: for VERSION 5 and 6 with defaults, clamped, edge and
// random arguments, the picture has the same lines, widths and character set as
// redis-server's, and the same footer.
func TestLolwutDiffArtShape(t *testing.T) {
	cases := [][]string{
		{"5"}, {"5", "1"}, {"5", "1", "1", "1"}, {"5", "2"}, {"5", "3"}, {"5", "3", "2", "2"},
		{"5", "66", "8", "12"}, {"5", "0", "0", "0"}, {"5", "-7", "-7", "-7"},
		{"5", "1", "200", "1"}, {"5", "10", "200", "1"}, {"5", "1000", "200", "200"},
		{"5", "5000", "500", "500"}, {"5", "40", "3", "7"}, {"5", "33", "7", "11"},
		{"5", "80", "1", "1"}, {"5", "20", "1", "3"}, {"5", "10", "3", "2", "extra"},
		{"4294967301", "12", "4", "4"},
		{"6"}, {"6", "1"}, {"6", "1", "1"}, {"6", "2", "3"}, {"6", "80", "20"},
		{"6", "0", "0"}, {"6", "-3", "-3"}, {"6", "1000", "1"}, {"6", "5", "1000"},
		{"6", "5000", "2"}, {"6", "17", "9", "extra"},
	}
	// Random arguments, from a fixed seed so a failure can be replayed.
	rng := rand.New(rand.NewPCG(5, 6))
	for i := 0; i < 30; i++ {
		cases = append(cases, []string{"5", fmt.Sprint(rng.IntN(150) + 1),
			fmt.Sprint(rng.IntN(40) + 1), fmt.Sprint(rng.IntN(40) + 1)})
		cases = append(cases, []string{"6", fmt.Sprint(rng.IntN(150) + 1), fmt.Sprint(rng.IntN(60) + 1)})
	}
	for _, proto := range []int{2, 3} {
		ref, kg := lolwutPair(t, proto)
		for i, cs := range cases {
			if proto == 3 && i%3 != 0 {
				continue // RESP3 only changes the framing: a sample is enough
			}
			args := append([]string{"LOLWUT", "VERSION"}, cs...)
			want := lolwutShape(t, lolwutText(t, lolwutDo(t, ref, args...), proto))
			got := lolwutShape(t, lolwutText(t, lolwutDo(t, kg, args...), proto))
			if strings.Join(want, "\n") != strings.Join(got, "\n") {
				t.Errorf("RESP%d %q: shapes differ\nredis:   %.300q\nkeygrid: %.300q", proto, args, want, got)
			}
		}
	}
}

// TestLolwutShapeOwn checks the picture's shape without redis-server: one Braille
// character per requested column, the footers, and that the art is not blank.
func TestLolwutShapeOwn(t *testing.T) {
	_, addr := startTestServer(t, nil)
	c := dialTest(t, addr)
	v5 := c.do("LOLWUT", "VERSION", "5", "30", "4", "4")
	lines := strings.Split(v5, "\n")
	if lines[len(lines)-1] != "" || lines[len(lines)-2] != "Georg Nees - schotter, plotter on paper, 1968. Redis ver. "+Version {
		t.Fatalf("VERSION 5 footer: %q", lines[len(lines)-3:])
	}
	dots := 0
	// 30 columns: a 60×60 canvas (side 14 and 2 pixels of margin), 15 Braille lines,
	// then a blank line because 60 is not one more than a multiple of 4.
	if len(lines) != 15+3 || lines[15] != "" {
		t.Fatalf("VERSION 5 has %d lines: %q", len(lines), lines)
	}
	for _, l := range lines[:15] {
		if n, ok := lolwutBraille(l); !ok || n != 30 {
			t.Fatalf("line %q: %d Braille characters, want 30", l, n)
		}
		dots += strings.Count(l, "⠀")
	}
	if dots == 15*30 {
		t.Fatal("VERSION 5 drew nothing")
	}
	v6 := c.do("LOLWUT", "VERSION", "6", "12", "7")
	lines = strings.Split(v6, "\n")
	if len(lines) != 7+3 || lines[7] != "Dedicated to the 8 bit game developers of past and present." ||
		lines[8] != "Original 8 bit image from Plaguemon by hikikomori. Redis ver. "+Version || lines[9] != "" {
		t.Fatalf("VERSION 6: %q", lines)
	}
	for _, l := range lines[:7] {
		if n, ok := lolwutCells(l); !ok || n != 12 {
			t.Fatalf("line %q: %d cells, want 12", l, n)
		}
	}
	if got := c.do("LOLWUT"); got != "Redis ver. "+Version+"\n" {
		t.Fatalf("LOLWUT: %q", got)
	}
}

// TestLolwutBraille: each of the eight dots of a 2×4 cell sets its own bit of the
// Braille code point, in Unicode's dot order (left column 1-3, right 4-6, bottom 7-8).
func TestLolwutBraille(t *testing.T) {
	cases := []struct {
		x, y int
		want rune
	}{
		{0, 0, 0x2801}, {0, 1, 0x2802}, {0, 2, 0x2804}, {1, 0, 0x2808},
		{1, 1, 0x2810}, {1, 2, 0x2820}, {0, 3, 0x2840}, {1, 3, 0x2880},
	}
	for _, tc := range cases {
		cv := newLwCanvas(2, 4, 0)
		cv.set(tc.x, tc.y, 1)
		got := string(renderBraille(cv))
		if want := string(tc.want) + "\n"; got != want {
			t.Errorf("dot (%d,%d): %q, want %q", tc.x, tc.y, got, want)
		}
	}
	full := newLwCanvas(4, 5, 1)
	// Height 5: the second line starts on the last row, so no newline ends it; its
	// missing rows read as empty.
	if got, want := string(renderBraille(full)), "⣿⣿\n⠉⠉"; got != want {
		t.Errorf("full 4×5 canvas: %q, want %q", got, want)
	}
	if got := renderBraille(newLwCanvas(2, 0, 0)); len(got) != 0 {
		t.Errorf("empty canvas: %q", got)
	}
}

// TestLolwutCanvas: clipping, Bresenham lines and an unrotated square.
func TestLolwutCanvas(t *testing.T) {
	cv := newLwCanvas(5, 5, 0)
	cv.set(-1, 0, 1)
	cv.set(5, 5, 1)
	if cv.get(-1, 0) != 0 || cv.get(0, 5) != 0 {
		t.Fatal("out-of-canvas pixels must read 0")
	}
	for _, p := range cv.pixels {
		if p != 0 {
			t.Fatal("drawing outside the canvas changed it")
		}
	}
	cv.line(0, 0, 4, 2, 1)
	want := []string{
		"##...",
		"..##.",
		"....#",
		".....",
		".....",
	}
	if got := lolwutPicture(cv); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("line (0,0)-(4,2):\n%s", strings.Join(got, "\n"))
	}
	// Corners sit at 45° off the axes at a radius of side/√2, so an unrotated
	// square is axis-aligned: side 8 gives radius round(5.66) = 6 and corners
	// round(6·sin 45°) = 4 pixels from the centre on both axes.
	sq := newLwCanvas(11, 11, 0)
	sq.square(5, 5, 8, 0, 1)
	want = []string{
		"...........",
		".#########.",
		".#.......#.",
		".#.......#.",
		".#.......#.",
		".#.......#.",
		".#.......#.",
		".#.......#.",
		".#.......#.",
		".#########.",
		"...........",
	}
	if got := lolwutPicture(sq); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("square side 8 at (5,5):\n%s", strings.Join(got, "\n"))
	}
}

func lolwutPicture(cv *lwCanvas) []string {
	var rows []string
	for y := 0; y < cv.height; y++ {
		var b strings.Builder
		for x := 0; x < cv.width; x++ {
			if cv.get(x, y) != 0 {
				b.WriteByte('#')
			} else {
				b.WriteByte('.')
			}
		}
		rows = append(rows, b.String())
	}
	return rows
}
