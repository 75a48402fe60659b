package engine

// LOLWUT: computer art and the server version (Redis's lolwut.c, lolwut5.c,
// lolwut6.c). Without VERSION it prints the version line of the release, which in
// 7.0 has no art of its own; VERSION 5 draws Georg Nees' "Schotter" in Braille
// characters and VERSION 6 a city skyline in the four grays of a colour terminal.
//
// The art is random, as in Redis; everything else (dispatch on the version number,
// argument parsing and clamping, canvas and output sizes, footers) follows 7.0.15
// exactly, including its float32 arithmetic, so the same arguments give the same
// number of lines and columns. LOLWUT is not on any hot path: the canvas and the
// rendered text are allocated per call.

import (
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
)

var lolwutCommands = []*Command{
	{Name: "lolwut", Arity: -1, Flags: FlagReadonly | FlagFast,
		Group: "server", Since: "5.0.0",
		Summary: "Display some computer art and the Redis version",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "version", Type: "integer", Token: "VERSION", Optional: true},
		}},
		Proc: lolwutCommand},
}

// LOLWUT [VERSION version] [version specific arguments ...]
func lolwutCommand(c *Client) {
	major := lolwutMajor(Version)
	args := c.argv[1:]
	if len(c.argv) >= 3 && strings.EqualFold(string(c.argv[1]), "version") {
		v, ok := parseInt(c.argv[2])
		if !ok {
			c.ReplyError(ErrNotInt)
			return
		}
		// Redis prints the number as a C unsigned int ("%u.0.0") before looking at
		// it, so only its low 32 bits count: VERSION 4294967301 is VERSION 5.
		major = uint64(uint32(v))
		args = c.argv[3:]
	}
	// Redis 7.0 also routes the would-be versions "4.9" and "5.9" to the next art,
	// but a number given with VERSION always reads "N.0.0", so only 5 and 6 matter.
	switch major {
	case 5:
		lolwut5(c, args)
	case 6:
		lolwut6(c, args)
	default:
		c.ReplyVerbatim("Redis ver. " + Version + "\n")
	}
}

// lolwutMajor is the leading number of a version string such as "7.0.15".
func lolwutMajor(v string) uint64 {
	if i := strings.IndexByte(v, '.'); i >= 0 {
		v = v[:i]
	}
	n, _ := strconv.ParseUint(v, 10, 64)
	return n
}

// lolwutArgs parses the optional integer arguments of a LOLWUT version into out
// (which holds the defaults), replying the error and returning false on a bad one.
// Values are then clamped to [1, hi[i]], so LOLWUT stays cheap whatever it is asked.
func lolwutArgs(c *Client, args [][]byte, out []int64, hi []int64) bool {
	for i := range out {
		if i < len(args) {
			v, ok := parseInt(args[i])
			if !ok {
				c.ReplyError(ErrNotInt)
				return false
			}
			out[i] = v
		}
		out[i] = max(1, min(hi[i], out[i]))
	}
	return true
}

// lwCanvas is a grid of small colour values (0 or 1 for Schotter, 0..3 for the
// skyline), origin at the top left. Drawing outside it is silently clipped.
type lwCanvas struct {
	width, height int
	pixels        []uint8
}

func newLwCanvas(width, height int, bg uint8) *lwCanvas {
	cv := &lwCanvas{width: width, height: height, pixels: make([]uint8, width*height)}
	if bg != 0 {
		for i := range cv.pixels {
			cv.pixels[i] = bg
		}
	}
	return cv
}

func (cv *lwCanvas) set(x, y int, color uint8) {
	if x < 0 || x >= cv.width || y < 0 || y >= cv.height {
		return
	}
	cv.pixels[x+y*cv.width] = color
}

func (cv *lwCanvas) get(x, y int) uint8 {
	if x < 0 || x >= cv.width || y < 0 || y >= cv.height {
		return 0
	}
	return cv.pixels[x+y*cv.width]
}

// line draws from (x1,y1) to (x2,y2) with Bresenham's integer algorithm.
func (cv *lwCanvas) line(x1, y1, x2, y2 int, color uint8) {
	dx, dy := x2-x1, y2-y1
	if dx < 0 {
		dx = -dx
	}
	if dy < 0 {
		dy = -dy
	}
	sx, sy := -1, -1
	if x1 < x2 {
		sx = 1
	}
	if y1 < y2 {
		sy = 1
	}
	e := dx - dy
	for {
		cv.set(x1, y1, color)
		if x1 == x2 && y1 == y2 {
			return
		}
		e2 := 2 * e
		if e2 > -dy {
			e -= dy
			x1 += sx
		}
		if e2 < dx {
			e += dx
			y1 += sy
		}
	}
}

// square draws the outline of a square of the given side centred on (x,y) and
// rotated by angle radians. Its corners lie on the circle through them: at
// angle+45°, +135°, +225° and +315°, at a radius of side/√2 (rounded, as Redis
// does). Redis mixes float and double here; the conversions below keep its
// rounding so that the corners land on the same pixels.
func (cv *lwCanvas) square(x, y int, side, angle float32, color uint8) {
	r := float32(float64(side) / 1.4142135623)
	r = float32(math.Round(float64(r)))
	var px, py [4]int
	k := float32(math.Pi/4 + float64(angle))
	for j := 0; j < 4; j++ {
		px[j] = int(math.Round(math.Sin(float64(k))*float64(r) + float64(x)))
		py[j] = int(math.Round(math.Cos(float64(k))*float64(r) + float64(y)))
		k = float32(float64(k) + math.Pi/2)
	}
	for j := 0; j < 4; j++ {
		cv.line(px[j], py[j], px[(j+1)%4], py[(j+1)%4], color)
	}
}

// lwRand returns a value in [0, 2^31-1], the range of C's rand() with glibc.
func lwRand() int { return int(rand.Int32()) }

// lwRandMax is glibc's RAND_MAX.
const lwRandMax = 1<<31 - 1

// LOLWUT VERSION 5 [columns [squares-per-row [squares-per-column]]]
//
// Defaults 66, 8 and 12; columns clamp to [1,1000], squares to [1,200].
func lolwut5(c *Client, args [][]byte) {
	p := []int64{66, 8, 12}
	if !lolwutArgs(c, args, p, []int64{1000, 200, 200}) {
		return
	}
	cv := drawSchotter(int(p[0]), int(p[1]), int(p[2]))
	out := renderBraille(cv)
	out = append(out, "\nGeorg Nees - schotter, plotter on paper, 1968. Redis ver. "...)
	out = append(out, Version...)
	out = append(out, '\n')
	c.ReplyVerbatim(string(out))
}

// drawSchotter lays out rows × cols squares on a canvas two pixels per output
// column wide (a Braille cell is 2×4 dots), with a small margin. The first two rows
// are straight; from the third on, each square is turned and shifted by random
// amounts that grow with its row: order decaying into disorder, as in Nees' plot.
// The arithmetic is float32, as in Redis, so canvas sizes agree to the pixel.
func drawSchotter(cols, perRow, perCol int) *lwCanvas {
	width := cols * 2
	pad := 0
	if width > 4 {
		pad = 2
	}
	side := float32(width-pad*2) / float32(perRow)
	height := int(float32(side*float32(perCol)) + float32(pad*2))
	cv := newLwCanvas(width, height, 0)
	for y := 0; y < perCol; y++ {
		for x := 0; x < perRow; x++ {
			sx := int(float32(float32(x)*side) + side/2 + float32(pad))
			sy := int(float32(float32(y)*side) + side/2 + float32(pad))
			var angle float32
			if y > 1 {
				jitter := func() float32 {
					return float32(lwRand()) / float32(lwRandMax) / float32(perCol) * float32(y)
				}
				r1, r2, r3 := jitter(), jitter(), jitter()
				if lwRand()%2 == 1 {
					r1 = -r1
				}
				if lwRand()%2 == 1 {
					r2 = -r2
				}
				if lwRand()%2 == 1 {
					r3 = -r3
				}
				angle = r1
				sx = int(float32(sx) + float32(r2*side)/3)
				sy = int(float32(sy) + float32(r3*side)/3)
			}
			cv.square(sx, sy, side, angle, 1)
		}
	}
	return cv
}

// renderBraille turns each 2×4 block of the canvas into one Braille character
// (U+2800 plus a dot mask), a line per four pixel rows. Dots 1-3 are the left column
// top down, 4-6 the right, and 7-8 the bottom pair, which is why the bottom row maps
// to bits 6 and 7. Like Redis it ends a line with '\n' unless the line started on
// the canvas' last pixel row, so most pictures end in a newline before the footer.
func renderBraille(cv *lwCanvas) []byte {
	out := make([]byte, 0, (cv.height/4+1)*(cv.width/2*3+1))
	for y := 0; y < cv.height; y += 4 {
		for x := 0; x < cv.width; x += 2 {
			var dots rune
			for i, d := range [8][2]int{{0, 0}, {0, 1}, {0, 2}, {1, 0}, {1, 1}, {1, 2}, {0, 3}, {1, 3}} {
				if cv.get(x+d[0], y+d[1]) != 0 {
					dots |= 1 << i
				}
			}
			out = appendRune3(out, 0x2800+dots)
		}
		if y != cv.height-1 {
			out = append(out, '\n')
		}
	}
	return out
}

// appendRune3 appends r, a code point in U+0800..U+FFFF, as its three UTF-8 bytes.
func appendRune3(b []byte, r rune) []byte {
	return append(b, byte(0xE0|r>>12), byte(0x80|(r>>6)&0x3F), byte(0x80|r&0x3F))
}

// LOLWUT VERSION 6 [columns [rows]]
//
// Defaults 80 and 20; both clamp to [1,1000].
func lolwut6(c *Client, args [][]byte) {
	p := []int64{80, 20}
	if !lolwutArgs(c, args, p, []int64{1000, 1000}) {
		return
	}
	cv := newLwCanvas(int(p[0]), int(p[1]), 3)
	drawSkyline(cv)
	out := renderGrays(cv)
	out = append(out, "\nDedicated to the 8 bit game developers of past and present.\n"+
		"Original 8 bit image from Plaguemon by hikikomori. Redis ver. "...)
	out = append(out, Version...)
	out = append(out, '\n')
	c.ReplyVerbatim(string(out))
}

// lwGrays are the terminal escapes for colours 0..3: black, dark gray, light gray,
// white, each setting foreground and background alike so every terminal shows a
// solid cell.
var lwGrays = [4]string{"0;30;40m", "0;90;100m", "0;37;47m", "0;97;107m"}

// renderGrays prints one space per pixel in its gray, a line per pixel row.
func renderGrays(cv *lwCanvas) []byte {
	out := make([]byte, 0, cv.height*(cv.width*14+1))
	for y := 0; y < cv.height; y++ {
		for x := 0; x < cv.width; x++ {
			esc := lwGrays[0]
			if col := cv.get(x, y); int(col) < len(lwGrays) {
				esc = lwGrays[col]
			}
			out = append(out, "\x1b["...)
			out = append(out, esc...)
			out = append(out, " \x1b[0m"...)
		}
		if y != cv.height-1 {
			out = append(out, '\n')
		}
	}
	return out
}

// lwBuilding is one skyscraper of the skyline.
type lwBuilding struct {
	xoff, width, height int
	windows             bool
	color               uint8
}

// drawBuilding stands b on the canvas' bottom row. Its roof row is two pixels
// narrower on each side; with windows, the inner area gets two-pixel-wide,
// one-pixel-tall windows (terminal cells are taller than wide) in a random gray
// other than the wall's.
func drawBuilding(cv *lwCanvas, b *lwBuilding) {
	bottom := cv.height - 1
	top := bottom - b.height + 1
	for y := bottom; y >= top; y-- {
		for x := b.xoff; x < b.xoff+b.width; x++ {
			if y == top && (x <= b.xoff+1 || x >= b.xoff+b.width-2) {
				continue
			}
			color := b.color
			if b.windows && x > b.xoff+1 && x < b.xoff+b.width-2 && y > top+1 && y < bottom-1 {
				relx, rely := x-(b.xoff+1), y-(top+1)
				if (relx/2)%2 == 1 && rely%2 == 1 {
					// Redis draws a fresh gray for every window pixel, then makes
					// the right half copy the left; the draw is kept so the random
					// sequence is consumed the same way.
					for color = uint8(1 + lwRand()%2); color == b.color; color = uint8(1 + lwRand()%2) {
					}
					if relx%2 == 1 {
						color = cv.get(x-1, y)
					}
				}
			}
			cv.set(x, y, color)
		}
	}
}

// drawSkyline paints three layers of buildings, back to front: light gray, then
// dark gray (no windows), then black buildings with windows, each layer walking
// left to right from just off the canvas with random gaps, widths and heights.
func drawSkyline(cv *lwCanvas) {
	var b lwBuilding
	for color := uint8(2); color >= 1; color-- {
		b.color = color
		for off := -10; off < cv.width; {
			off += lwRand() % 8
			b.xoff = off
			b.width = 10 + lwRand()%9
			if color == 2 {
				b.height = cv.height/2 + lwRand()%cv.height/2
			} else {
				b.height = cv.height/2 + lwRand()%cv.height/3
			}
			b.windows = false
			drawBuilding(cv, &b)
			if color == 2 {
				off += b.width / 2
			} else {
				off += b.width + 1
			}
		}
	}
	b.color = 0
	for off := -10; off < cv.width; {
		off += lwRand() % 8
		b.xoff = off
		b.width = 5 + lwRand()%14
		if b.width%4 != 0 {
			b.width += b.width % 3
		}
		b.height = cv.height/3 + lwRand()%cv.height/2
		b.windows = true
		drawBuilding(cv, &b)
		off += b.width + 5
	}
}
