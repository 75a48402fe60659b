// Package geohash is Redis's geohash (geohash.c and geohash_helper.c, Redis 7.0):
// the 52-bit interleaved encoding GEOADD stores as a sorted set score, its decoding to
// the centre of the cell, the neighbour search GEOSEARCH and GEORADIUS run over score
// ranges, and the haversine distance with Redis's Earth radius.
//
// Everything is computed with the same float64 operations in the same order as the C
// code (no fused multiply-adds, π/180 rounded as a double division), so positions,
// distances and search results match Redis's to the last bit; trigonometric functions
// come from Go's math package, which agrees with glibc's on the inputs tested (see
// the vectors in testdata, produced by Redis's own C code).
//
// Main flow:
//
//	h, ok := geohash.EncodeWGS84(lon, lat, geohash.StepMax)
//	score := geohash.Align52Bits(h)                 // the GEOADD score
//	lon, lat := geohash.DecodeScore(score)          // GEOPOS: the cell's centre
//	d := geohash.Distance(lon1, lat1, lon2, lat2)   // GEODIST, metres
//	r := geohash.AreasByShape(&shape)               // GEOSEARCH: 9 cells to scan
//	for _, cell := range r.Cells() { min, max := geohash.ScoreRange(cell); ... }
package geohash

// StepMax is the precision of stored positions: 26 bits per coordinate, 52 in all.
const StepMax = 26

// The WGS84 limits of positions Redis accepts (EPSG:900913): poles are excluded.
const (
	LatMin = -85.05112878
	LatMax = 85.05112878
	LonMin = -180
	LonMax = 180
)

// Bits is a geohash of Step bits per coordinate; Bits and Step both 0 is "none".
type Bits struct {
	Bits uint64
	Step uint8
}

// IsZero reports whether h is "none" (Redis's HASHISZERO).
func (h Bits) IsZero() bool { return h.Bits == 0 && h.Step == 0 }

// Range is an interval of one coordinate.
type Range struct{ Min, Max float64 }

func (r Range) isZero() bool { return r.Min == 0 && r.Max == 0 }

// Area is a geohash cell and its bounds.
type Area struct {
	Hash     Bits
	Lon, Lat Range
}

// Neighbors are the eight cells around one, Redis's GeoHashNeighbors.
type Neighbors struct {
	North, East, West, South, NorthEast, SouthEast, NorthWest, SouthWest Bits
}

// WGS84 returns the coordinate ranges of Redis's encoding (geohashGetCoordRange).
func WGS84() (lon, lat Range) {
	return Range{LonMin, LonMax}, Range{LatMin, LatMax}
}

// interleave64 puts the bits of x in the even positions and those of y in the odd.
func interleave64(xlo, ylo uint32) uint64 {
	x, y := uint64(xlo), uint64(ylo)
	x = (x | x<<16) & 0x0000FFFF0000FFFF
	y = (y | y<<16) & 0x0000FFFF0000FFFF
	x = (x | x<<8) & 0x00FF00FF00FF00FF
	y = (y | y<<8) & 0x00FF00FF00FF00FF
	x = (x | x<<4) & 0x0F0F0F0F0F0F0F0F
	y = (y | y<<4) & 0x0F0F0F0F0F0F0F0F
	x = (x | x<<2) & 0x3333333333333333
	y = (y | y<<2) & 0x3333333333333333
	x = (x | x<<1) & 0x5555555555555555
	y = (y | y<<1) & 0x5555555555555555
	return x | y<<1
}

// deinterleave64 undoes interleave64: even bits in the low word, odd in the high.
func deinterleave64(v uint64) uint64 {
	x, y := v, v>>1
	x &= 0x5555555555555555
	y &= 0x5555555555555555
	x = (x | x>>1) & 0x3333333333333333
	y = (y | y>>1) & 0x3333333333333333
	x = (x | x>>2) & 0x0F0F0F0F0F0F0F0F
	y = (y | y>>2) & 0x0F0F0F0F0F0F0F0F
	x = (x | x>>4) & 0x00FF00FF00FF00FF
	y = (y | y>>4) & 0x00FF00FF00FF00FF
	x = (x | x>>8) & 0x0000FFFF0000FFFF
	y = (y | y>>8) & 0x0000FFFF0000FFFF
	x = (x | x>>16) & 0x00000000FFFFFFFF
	y = (y | y>>16) & 0x00000000FFFFFFFF
	return x | y<<32
}

// Encode hashes a position within the given ranges (Redis's geohashEncode). It fails
// outside the WGS84 limits or the ranges, or for a step outside 1..32.
func Encode(lonR, latR Range, lon, lat float64, step uint8) (Bits, bool) {
	if step > 32 || step == 0 || latR.isZero() || lonR.isZero() {
		return Bits{}, false
	}
	if lon > LonMax || lon < LonMin || lat > LatMax || lat < LatMin {
		return Bits{}, false
	}
	if lat < latR.Min || lat > latR.Max || lon < lonR.Min || lon > lonR.Max {
		return Bits{Step: step}, false
	}
	latOff := (lat - latR.Min) / (latR.Max - latR.Min)
	lonOff := (lon - lonR.Min) / (lonR.Max - lonR.Min)
	scale := float64(uint64(1) << step)
	latOff *= scale
	lonOff *= scale
	return Bits{Bits: interleave64(uint32(latOff), uint32(lonOff)), Step: step}, true
}

// EncodeWGS84 is Encode over the WGS84 ranges.
func EncodeWGS84(lon, lat float64, step uint8) (Bits, bool) {
	lonR, latR := WGS84()
	return Encode(lonR, latR, lon, lat, step)
}

// Decode returns the cell of h within the given ranges (Redis's geohashDecode).
func Decode(lonR, latR Range, h Bits) (Area, bool) {
	if h.IsZero() || latR.isZero() || lonR.isZero() {
		return Area{}, false
	}
	sep := deinterleave64(h.Bits) // [LAT][LON]
	latScale := latR.Max - latR.Min
	lonScale := lonR.Max - lonR.Min
	ilat := uint32(sep)
	ilon := uint32(sep >> 32)
	div := float64(uint64(1) << h.Step)
	// float64() around each product stops the compiler from fusing it with the
	// addition: C computes and rounds them separately.
	return Area{
		Hash: h,
		Lat: Range{
			Min: latR.Min + float64(float64(ilat)/div*latScale),
			Max: latR.Min + float64(float64(ilat+1)/div*latScale), // uint32 wraps, as in C
		},
		Lon: Range{
			Min: lonR.Min + float64(float64(ilon)/div*lonScale),
			Max: lonR.Min + float64(float64(ilon+1)/div*lonScale),
		},
	}, true
}

// DecodeWGS84 is Decode over the WGS84 ranges.
func DecodeWGS84(h Bits) (Area, bool) {
	lonR, latR := WGS84()
	return Decode(lonR, latR, h)
}

// Center returns the middle of the cell, clamped to the WGS84 limits (Redis's
// geohashDecodeAreaToLongLat).
func (a Area) Center() (lon, lat float64) {
	lon = (a.Lon.Min + a.Lon.Max) / 2
	if lon > LonMax {
		lon = LonMax
	}
	if lon < LonMin {
		lon = LonMin
	}
	lat = (a.Lat.Min + a.Lat.Max) / 2
	if lat > LatMax {
		lat = LatMax
	}
	if lat < LatMin {
		lat = LatMin
	}
	return lon, lat
}

// DecodeToLonLat returns the centre of the WGS84 cell of h.
func DecodeToLonLat(h Bits) (lon, lat float64, ok bool) {
	a, ok := DecodeWGS84(h)
	if !ok {
		return 0, 0, false
	}
	lon, lat = a.Center()
	return lon, lat, true
}

// ScoreToBits converts a sorted set score to a full-precision hash as C's
// (uint64_t) cast does on x86-64 (Redis's decodeGeohash).
func ScoreToBits(score float64) Bits {
	var b uint64
	if score < 1<<63 {
		b = uint64(int64(score)) // out of range: the "integer indefinite", as cvttsd2si
	} else {
		b = uint64(int64(score-(1<<63))) ^ 1<<63
	}
	return Bits{Bits: b, Step: StepMax}
}

// DecodeScore returns the position a GEOADD score stands for: its cell's centre.
func DecodeScore(score float64) (lon, lat float64) {
	lon, lat, _ = DecodeToLonLat(ScoreToBits(score))
	return lon, lat
}

// Align52Bits shifts a hash to 52 bits, the form stored as a score.
func Align52Bits(h Bits) uint64 { return h.Bits << (52 - uint(h.Step)*2) }

// ScoreRange returns the scores of the members inside cell h: min inclusive, max
// exclusive (Redis's scoresOfGeoHashBox).
func ScoreRange(h Bits) (min, max uint64) {
	min = Align52Bits(h)
	h.Bits++
	return min, Align52Bits(h)
}

func moveX(h *Bits, d int) {
	if d == 0 {
		return
	}
	x := h.Bits & 0xaaaaaaaaaaaaaaaa
	y := h.Bits & 0x5555555555555555
	zz := uint64(0x5555555555555555) >> (64 - uint(h.Step)*2)
	if d > 0 {
		x += zz + 1
	} else {
		x |= zz
		x -= zz + 1
	}
	x &= 0xaaaaaaaaaaaaaaaa >> (64 - uint(h.Step)*2)
	h.Bits = x | y
}

func moveY(h *Bits, d int) {
	if d == 0 {
		return
	}
	x := h.Bits & 0xaaaaaaaaaaaaaaaa
	y := h.Bits & 0x5555555555555555
	zz := uint64(0xaaaaaaaaaaaaaaaa) >> (64 - uint(h.Step)*2)
	if d > 0 {
		y += zz + 1
	} else {
		y |= zz
		y -= zz + 1
	}
	y &= 0x5555555555555555 >> (64 - uint(h.Step)*2)
	h.Bits = x | y
}

// GetNeighbors returns the eight cells around h (Redis's geohashNeighbors).
func GetNeighbors(h Bits) Neighbors {
	n := Neighbors{h, h, h, h, h, h, h, h}
	moveX(&n.East, 1)
	moveX(&n.West, -1)
	moveY(&n.South, -1)
	moveY(&n.North, 1)
	moveX(&n.NorthWest, -1)
	moveY(&n.NorthWest, 1)
	moveX(&n.NorthEast, 1)
	moveY(&n.NorthEast, 1)
	moveX(&n.SouthEast, 1)
	moveY(&n.SouthEast, -1)
	moveX(&n.SouthWest, -1)
	moveY(&n.SouthWest, -1)
	return n
}

// Base32 is the alphabet of standard geohash strings.
const Base32 = "0123456789bcdefghjkmnpqrstuvwxyz"

// String11 returns the 11-character standard geohash GEOHASH replies for a stored
// score: the position decoded, encoded again over the standard ranges (latitude
// ±90 instead of ±85.05), and the 52 bits written in base 32 with a final "0".
func String11(score float64) [11]byte {
	lon, lat := DecodeScore(score)
	h, _ := Encode(Range{-180, 180}, Range{-90, 90}, lon, lat, StepMax)
	var buf [11]byte
	for i := 0; i < 11; i++ {
		idx := 0
		if i < 10 {
			idx = int(h.Bits >> (52 - (uint(i)+1)*5) & 0x1f)
		}
		buf[i] = Base32[idx]
	}
	return buf
}
