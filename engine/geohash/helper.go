package geohash

import "math"

// Constants of Redis's geohash_helper.c.
const (
	// EarthRadius is the Earth's quadratic mean radius for WGS-84, in metres.
	EarthRadius = 6372797.560856
	// mercatorMax bounds the radius estimate of EstimateStepsByRadius.
	mercatorMax = 20037726.37
)

// pi is M_PI as a double; dR is M_PI/180.0 rounded as C computes it, in a division
// of doubles at run time (a Go constant expression would be exact, then rounded).
var (
	pi = math.Pi
	dR = pi / 180.0
)

func degRad(a float64) float64 { return a * dR }
func radDeg(a float64) float64 { return a / dR }

// EstimateStepsByRadius is the precision of the cells a search of the given radius
// scans (Redis's geohashEstimateStepsByRadius).
func EstimateStepsByRadius(rangeMeters, lat float64) uint8 {
	if rangeMeters == 0 {
		return 26
	}
	step := 1
	for rangeMeters < mercatorMax {
		rangeMeters *= 2
		step++
	}
	step -= 2 // make sure the range is included in most of the base cases
	// Wider range towards the poles.
	if lat > 66 || lat < -66 {
		step--
		if lat > 80 || lat < -80 {
			step--
		}
	}
	if step < 1 {
		step = 1
	}
	if step > 26 {
		step = 26
	}
	return uint8(step)
}

// Shape kinds.
const (
	Circle    = 1
	Rectangle = 2
)

// Shape is a search area (Redis's GeoShape): a circle of Radius or a box of Width
// by Height around (Lon, Lat), in a unit of Conversion metres.
type Shape struct {
	Kind          int
	Lon, Lat      float64
	Conversion    float64
	Radius        float64
	Width, Height float64
	// Bounds is the bounding box AreasByShape computed: min lon, min lat, max lon,
	// max lat.
	Bounds [4]float64
}

// BoundingBox returns the box around the shape (Redis's geohashBoundingBox): min lon,
// min lat, max lon, max lat. The longitude span is taken at the latitude edge nearer
// the pole, where it is widest.
func BoundingBox(s *Shape) [4]float64 {
	height, width := s.Radius, s.Radius
	if s.Kind != Circle {
		height, width = s.Height/2, s.Width/2
	}
	height *= s.Conversion
	width *= s.Conversion
	latDelta := radDeg(height / EarthRadius)
	lonDeltaTop := radDeg(width / EarthRadius / Cos(degRad(s.Lat+latDelta)))
	lonDeltaBottom := radDeg(width / EarthRadius / Cos(degRad(s.Lat-latDelta)))
	var b [4]float64
	if s.Lat < 0 {
		b[0], b[2] = s.Lon-lonDeltaBottom, s.Lon+lonDeltaBottom
	} else {
		b[0], b[2] = s.Lon-lonDeltaTop, s.Lon+lonDeltaTop
	}
	b[1], b[3] = s.Lat-latDelta, s.Lat+latDelta
	return b
}

// Radius is the result of AreasByShape: the centre cell, its area and its
// neighbours, the useless ones zeroed (Redis's GeoHashRadius).
type Radius struct {
	Hash      Bits
	Area      Area
	Neighbors Neighbors
}

// Cells returns the nine cells in the order Redis scans them: the centre, north,
// south, east, west, north-east, north-west, south-east, south-west.
func (r *Radius) Cells() [9]Bits {
	n := &r.Neighbors
	return [9]Bits{r.Hash, n.North, n.South, n.East, n.West, n.NorthEast, n.NorthWest, n.SouthEast, n.SouthWest}
}

// AreasByShape computes the cells that cover a search (Redis's
// geohashCalculateAreasByShapeWGS84) and stores the bounding box in s.Bounds.
func AreasByShape(s *Shape) Radius {
	s.Bounds = BoundingBox(s)
	minLon, minLat, maxLon, maxLat := s.Bounds[0], s.Bounds[1], s.Bounds[2], s.Bounds[3]
	radiusMeters := s.Radius
	if s.Kind != Circle {
		radiusMeters = math.Sqrt(float64(s.Width/2*(s.Width/2)) + float64(s.Height/2*(s.Height/2)))
	}
	radiusMeters *= s.Conversion
	steps := EstimateStepsByRadius(radiusMeters, s.Lat)
	lonR, latR := WGS84()
	hash, _ := Encode(lonR, latR, s.Lon, s.Lat, steps)
	neighbors := GetNeighbors(hash)
	area, _ := Decode(lonR, latR, hash)
	// When the search area is near a cell's edge, the estimated step may not be small
	// enough for the neighbours to cover it: use one bit less.
	decrease := false
	{
		north, _ := Decode(lonR, latR, neighbors.North)
		south, _ := Decode(lonR, latR, neighbors.South)
		east, _ := Decode(lonR, latR, neighbors.East)
		west, _ := Decode(lonR, latR, neighbors.West)
		if north.Lat.Max < maxLat || south.Lat.Min > minLat || east.Lon.Max < maxLon || west.Lon.Min > minLon {
			decrease = true
		}
	}
	if steps > 1 && decrease {
		steps--
		hash, _ = Encode(lonR, latR, s.Lon, s.Lat, steps)
		neighbors = GetNeighbors(hash)
		area, _ = Decode(lonR, latR, hash)
	}
	// Exclude the cells that are useless.
	if steps >= 2 {
		if area.Lat.Min < minLat {
			neighbors.South, neighbors.SouthWest, neighbors.SouthEast = Bits{}, Bits{}, Bits{}
		}
		if area.Lat.Max > maxLat {
			neighbors.North, neighbors.NorthEast, neighbors.NorthWest = Bits{}, Bits{}, Bits{}
		}
		if area.Lon.Min < minLon {
			neighbors.West, neighbors.SouthWest, neighbors.NorthWest = Bits{}, Bits{}, Bits{}
		}
		if area.Lon.Max > maxLon {
			neighbors.East, neighbors.SouthEast, neighbors.NorthEast = Bits{}, Bits{}, Bits{}
		}
	}
	return Radius{Hash: hash, Area: area, Neighbors: neighbors}
}

// LatDistance is the distance between two latitudes on a meridian, in metres.
func LatDistance(lat1, lat2 float64) float64 {
	return EarthRadius * math.Abs(degRad(lat2)-degRad(lat1))
}

// Distance is the haversine great-circle distance in metres (Redis's
// geohashGetDistance).
func Distance(lon1, lat1, lon2, lat2 float64) float64 {
	lon1r := degRad(lon1)
	lon2r := degRad(lon2)
	v := Sin((lon2r - lon1r) / 2)
	// Same longitude: skip the expensive part.
	if v == 0.0 {
		return LatDistance(lat1, lat2)
	}
	lat1r := degRad(lat1)
	lat2r := degRad(lat2)
	u := Sin((lat2r - lat1r) / 2)
	a := float64(u*u) + float64(float64(Cos(lat1r)*Cos(lat2r))*v*v)
	return 2.0 * EarthRadius * Asin(math.Sqrt(a))
}

// distanceFast is Distance with Go's math functions, used to reject the candidates of
// a search that are clearly outside it cheaply. It is within a few units in the last
// place of the exact figure, except near antipodes where asin's steepness turns that
// into up to about R·sqrt(2^-52), 0.1 m: clearlyOver allows for both.
func distanceFast(lon1, lat1, lon2, lat2 float64) float64 {
	lon1r, lon2r := degRad(lon1), degRad(lon2)
	v := math.Sin((lon2r - lon1r) / 2)
	if v == 0.0 {
		return LatDistance(lat1, lat2)
	}
	lat1r, lat2r := degRad(lat1), degRad(lat2)
	u := math.Sin((lat2r - lat1r) / 2)
	a := u*u + math.Cos(lat1r)*math.Cos(lat2r)*v*v
	return 2.0 * EarthRadius * math.Asin(math.Sqrt(a))
}

// clearlyOver reports whether a fast distance d is beyond limit by more than its
// possible error, so the exact computation can be skipped.
func clearlyOver(d, limit float64) bool {
	return d > limit*(1+1e-9)+1
}

// InRadius returns the distance from the centre (x1, y1) to (x2, y2) and whether it
// is within radius (Redis's geohashGetDistanceIfInRadius).
func InRadius(x1, y1, x2, y2, radius float64) (float64, bool) {
	if clearlyOver(distanceFast(x1, y1, x2, y2), radius) {
		return 0, false
	}
	d := Distance(x1, y1, x2, y2)
	return d, d <= radius
}

// InRectangle reports whether (x2, y2) is inside the width by height box (metres)
// centred on (x1, y1), and its distance from the centre (Redis's
// geohashGetDistanceIfInRectangle).
func InRectangle(width, height, x1, y1, x2, y2 float64) (float64, bool) {
	// The latitude distance is cheaper: check it first.
	if LatDistance(y2, y1) > height/2 {
		return 0, false
	}
	if clearlyOver(distanceFast(x2, y2, x1, y2), width/2) || Distance(x2, y2, x1, y2) > width/2 {
		return 0, false
	}
	return Distance(x1, y1, x2, y2), true
}
