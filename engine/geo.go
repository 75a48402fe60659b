package engine

// Geo commands (Redis 7.0's geo.c): positions are sorted set members whose score is
// their 52-bit geohash (engine/geohash), so a geo index is a zset and every zset
// command works on it. GEOADD is ZADD with computed scores (and propagates as that
// ZADD, as Redis's replaceClientCommandVector makes it); GEOPOS and GEODIST decode the
// scores, so positions come back as their cell's centre, not as they were given;
// searches scan the score ranges of the centre cell and its eight neighbours and
// filter by distance, as Redis does, so results and their order (stable sort by
// distance, Redis's partial quicksort when COUNT cuts the result) are Redis's.
//
// Formats: distances "%.4f" (fixedpoint_d2string), coordinates as Redis prints long
// doubles ("%.17Lf" without trailing zeros; a RESP3 double), hashes as integers.

import (
	"math"
	"sort"
	"strconv"

	"github.com/keygrid/keygrid/engine/geohash"
	"github.com/keygrid/keygrid/engine/resp"
)

// The specs (arity, flags, key specs, docs) are those Redis 7.0 reports in COMMAND
// INFO and COMMAND DOCS.
var geoCommands = []*Command{
	{Name: "geoadd", Arity: -5, Flags: FlagWrite | FlagDenyOOM, Cats: CatGeo, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RW", "update"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "geo", Since: "3.2.0", Complexity: "O(log(N)) for each item added, where N is the number of elements in the sorted set.",
		Summary: "Add one or more geospatial items in the geospatial index represented using a sorted set",
		Doc: &CmdDoc{History: [][2]string{{"6.2.0", "Added the `CH`, `NX` and `XX` options."}},
			Args: []Arg{
				{Name: "key", Type: "key", KeySpecIndex: 0},
				{Name: "condition", Type: "oneof", Since: "6.2.0", Optional: true, Args: []Arg{
					{Name: "nx", Type: "pure-token", Token: "NX"},
					{Name: "xx", Type: "pure-token", Token: "XX"},
				}},
				{Name: "change", Type: "pure-token", Token: "CH", Since: "6.2.0", Optional: true},
				{Name: "longitude_latitude_member", Type: "block", Multiple: true, Args: []Arg{
					{Name: "longitude", Type: "double"},
					{Name: "latitude", Type: "double"},
					{Name: "member", Type: "string"},
				}},
			}},
		Proc: geoaddCommand},
	{Name: "geodist", Arity: -4, Flags: FlagReadonly, Cats: CatGeo, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "geo", Since: "3.2.0", Complexity: "O(log(N))",
		Summary: "Returns the distance between two members of a geospatial index",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "key", Type: "key", KeySpecIndex: 0},
			{Name: "member1", Type: "string"},
			{Name: "member2", Type: "string"},
			{Name: "unit", Type: "oneof", Optional: true, Args: []Arg{
				{Name: "m", Type: "pure-token", Token: "M"},
				{Name: "km", Type: "pure-token", Token: "KM"},
				{Name: "ft", Type: "pure-token", Token: "FT"},
				{Name: "mi", Type: "pure-token", Token: "MI"},
			}},
		}},
		Proc: geodistCommand},
	{Name: "geohash", Arity: -2, Flags: FlagReadonly, Cats: CatGeo, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "geo", Since: "3.2.0", Complexity: "O(log(N)) for each member requested, where N is the number of elements in the sorted set.",
		Summary: "Returns members of a geospatial index as standard geohash strings",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "key", Type: "key", KeySpecIndex: 0},
			{Name: "member", Type: "string", Multiple: true},
		}},
		Proc: geohashCommand},
	{Name: "geopos", Arity: -2, Flags: FlagReadonly, Cats: CatGeo, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "geo", Since: "3.2.0", Complexity: "O(N) where N is the number of members requested.",
		Summary: "Returns longitude and latitude of members of a geospatial index",
		Doc: &CmdDoc{Args: []Arg{
			{Name: "key", Type: "key", KeySpecIndex: 0},
			{Name: "member", Type: "string", Multiple: true},
		}},
		Proc: geoposCommand},
	{Name: "geosearch", Arity: -7, Flags: FlagReadonly, Cats: CatGeo, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "geo", Since: "6.2.0", Complexity: "O(N+log(M)) where N is the number of elements in the grid-aligned bounding box area around the shape provided as the filter and M is the number of items inside the shape",
		Summary: "Query a sorted set representing a geospatial index to fetch members inside an area of a box or a circle.",
		Doc: &CmdDoc{History: [][2]string{{"7.0.0", "Added support for uppercase unit names."}},
			Args: []Arg{
				{Name: "key", Type: "key", KeySpecIndex: 0},
				{Name: "from", Type: "oneof", Args: []Arg{
					{Name: "member", Type: "string", Token: "FROMMEMBER"},
					{Name: "longitude_latitude", Type: "block", Token: "FROMLONLAT", Args: []Arg{
						{Name: "longitude", Type: "double"},
						{Name: "latitude", Type: "double"},
					}},
				}},
				{Name: "by", Type: "oneof", Args: []Arg{
					{Name: "circle", Type: "block", Args: []Arg{
						{Name: "radius", Type: "double", Token: "BYRADIUS"},
						{Name: "unit", Type: "oneof", Args: []Arg{
							{Name: "m", Type: "pure-token", Token: "M"},
							{Name: "km", Type: "pure-token", Token: "KM"},
							{Name: "ft", Type: "pure-token", Token: "FT"},
							{Name: "mi", Type: "pure-token", Token: "MI"},
						}},
					}},
					{Name: "box", Type: "block", Args: []Arg{
						{Name: "width", Type: "double", Token: "BYBOX"},
						{Name: "height", Type: "double"},
						{Name: "unit", Type: "oneof", Args: []Arg{
							{Name: "m", Type: "pure-token", Token: "M"},
							{Name: "km", Type: "pure-token", Token: "KM"},
							{Name: "ft", Type: "pure-token", Token: "FT"},
							{Name: "mi", Type: "pure-token", Token: "MI"},
						}},
					}},
				}},
				{Name: "order", Type: "oneof", Optional: true, Args: []Arg{
					{Name: "asc", Type: "pure-token", Token: "ASC"},
					{Name: "desc", Type: "pure-token", Token: "DESC"},
				}},
				{Name: "count", Type: "block", Optional: true, Args: []Arg{
					{Name: "count", Type: "integer", Token: "COUNT"},
					{Name: "any", Type: "pure-token", Token: "ANY", Optional: true},
				}},
				{Name: "withcoord", Type: "pure-token", Token: "WITHCOORD", Optional: true},
				{Name: "withdist", Type: "pure-token", Token: "WITHDIST", Optional: true},
				{Name: "withhash", Type: "pure-token", Token: "WITHHASH", Optional: true},
			}},
		Proc: geosearchCommand},
	{Name: "geosearchstore", Arity: -8, Flags: FlagWrite | FlagDenyOOM, Cats: CatGeo, FirstKey: 1, LastKey: 2, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"OW", "update"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}, {Flags: []string{"RO", "access"}, Index: 2, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "geo", Since: "6.2.0", Complexity: "O(N+log(M)) where N is the number of elements in the grid-aligned bounding box area around the shape provided as the filter and M is the number of items inside the shape",
		Summary: "Query a sorted set representing a geospatial index to fetch members inside an area of a box or a circle, and store the result in another key.",
		Doc: &CmdDoc{History: [][2]string{{"7.0.0", "Added support for uppercase unit names."}},
			Args: []Arg{
				{Name: "destination", Type: "key", KeySpecIndex: 0},
				{Name: "source", Type: "key", KeySpecIndex: 1},
				{Name: "from", Type: "oneof", Args: []Arg{
					{Name: "member", Type: "string", Token: "FROMMEMBER"},
					{Name: "longitude_latitude", Type: "block", Token: "FROMLONLAT", Args: []Arg{
						{Name: "longitude", Type: "double"},
						{Name: "latitude", Type: "double"},
					}},
				}},
				{Name: "by", Type: "oneof", Args: []Arg{
					{Name: "circle", Type: "block", Args: []Arg{
						{Name: "radius", Type: "double", Token: "BYRADIUS"},
						{Name: "unit", Type: "oneof", Args: []Arg{
							{Name: "m", Type: "pure-token", Token: "M"},
							{Name: "km", Type: "pure-token", Token: "KM"},
							{Name: "ft", Type: "pure-token", Token: "FT"},
							{Name: "mi", Type: "pure-token", Token: "MI"},
						}},
					}},
					{Name: "box", Type: "block", Args: []Arg{
						{Name: "width", Type: "double", Token: "BYBOX"},
						{Name: "height", Type: "double"},
						{Name: "unit", Type: "oneof", Args: []Arg{
							{Name: "m", Type: "pure-token", Token: "M"},
							{Name: "km", Type: "pure-token", Token: "KM"},
							{Name: "ft", Type: "pure-token", Token: "FT"},
							{Name: "mi", Type: "pure-token", Token: "MI"},
						}},
					}},
				}},
				{Name: "order", Type: "oneof", Optional: true, Args: []Arg{
					{Name: "asc", Type: "pure-token", Token: "ASC"},
					{Name: "desc", Type: "pure-token", Token: "DESC"},
				}},
				{Name: "count", Type: "block", Optional: true, Args: []Arg{
					{Name: "count", Type: "integer", Token: "COUNT"},
					{Name: "any", Type: "pure-token", Token: "ANY", Optional: true},
				}},
				{Name: "storedist", Type: "pure-token", Token: "STOREDIST", Optional: true},
			}},
		Proc: geosearchstoreCommand},
	{Name: "georadius", Arity: -6, Flags: FlagWrite | FlagDenyOOM, Cats: CatGeo, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}, {Flags: []string{"OW", "update"}, Keyword: "STORE", StartFrom: 6, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}, {Flags: []string{"OW", "update"}, Keyword: "STOREDIST", StartFrom: 6, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "geo", Since: "3.2.0", Complexity: "O(N+log(M)) where N is the number of elements inside the bounding box of the circular area delimited by center and radius and M is the number of items inside the index.",
		Summary: "Query a sorted set representing a geospatial index to fetch members matching a given maximum distance from a point",
		Doc: &CmdDoc{History: [][2]string{{"6.2.0", "Added the `ANY` option for `COUNT`."}, {"7.0.0", "Added support for uppercase unit names."}},
			Flags:           []string{"deprecated"},
			DeprecatedSince: "6.2.0",
			ReplacedBy:      "`GEOSEARCH` and `GEOSEARCHSTORE` with the `BYRADIUS` argument",
			Args: []Arg{
				{Name: "key", Type: "key", KeySpecIndex: 0},
				{Name: "longitude", Type: "double"},
				{Name: "latitude", Type: "double"},
				{Name: "radius", Type: "double"},
				{Name: "unit", Type: "oneof", Args: []Arg{
					{Name: "m", Type: "pure-token", Token: "M"},
					{Name: "km", Type: "pure-token", Token: "KM"},
					{Name: "ft", Type: "pure-token", Token: "FT"},
					{Name: "mi", Type: "pure-token", Token: "MI"},
				}},
				{Name: "withcoord", Type: "pure-token", Token: "WITHCOORD", Optional: true},
				{Name: "withdist", Type: "pure-token", Token: "WITHDIST", Optional: true},
				{Name: "withhash", Type: "pure-token", Token: "WITHHASH", Optional: true},
				{Name: "count", Type: "block", Optional: true, Args: []Arg{
					{Name: "count", Type: "integer", Token: "COUNT"},
					{Name: "any", Type: "pure-token", Token: "ANY", Since: "6.2.0", Optional: true},
				}},
				{Name: "order", Type: "oneof", Optional: true, Args: []Arg{
					{Name: "asc", Type: "pure-token", Token: "ASC"},
					{Name: "desc", Type: "pure-token", Token: "DESC"},
				}},
				{Name: "key", Type: "key", Token: "STORE", KeySpecIndex: 1, Optional: true},
				{Name: "key", Type: "key", Token: "STOREDIST", KeySpecIndex: 2, Optional: true},
			}},
		Keys: georadiusGetKeys,
		Proc: georadiusCommand},
	{Name: "georadius_ro", Arity: -6, Flags: FlagReadonly, Cats: CatGeo, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "geo", Since: "3.2.10", Complexity: "O(N+log(M)) where N is the number of elements inside the bounding box of the circular area delimited by center and radius and M is the number of items inside the index.",
		Summary: "A read-only variant for GEORADIUS",
		Doc: &CmdDoc{History: [][2]string{{"6.2.0", "Added the `ANY` option for `COUNT`."}},
			Flags:           []string{"deprecated"},
			DeprecatedSince: "6.2.0",
			ReplacedBy:      "`GEOSEARCH` with the `BYRADIUS` argument",
			Args: []Arg{
				{Name: "key", Type: "key", KeySpecIndex: 0},
				{Name: "longitude", Type: "double"},
				{Name: "latitude", Type: "double"},
				{Name: "radius", Type: "double"},
				{Name: "unit", Type: "oneof", Args: []Arg{
					{Name: "m", Type: "pure-token", Token: "M"},
					{Name: "km", Type: "pure-token", Token: "KM"},
					{Name: "ft", Type: "pure-token", Token: "FT"},
					{Name: "mi", Type: "pure-token", Token: "MI"},
				}},
				{Name: "withcoord", Type: "pure-token", Token: "WITHCOORD", Optional: true},
				{Name: "withdist", Type: "pure-token", Token: "WITHDIST", Optional: true},
				{Name: "withhash", Type: "pure-token", Token: "WITHHASH", Optional: true},
				{Name: "count", Type: "block", Optional: true, Args: []Arg{
					{Name: "count", Type: "integer", Token: "COUNT"},
					{Name: "any", Type: "pure-token", Token: "ANY", Since: "6.2.0", Optional: true},
				}},
				{Name: "order", Type: "oneof", Optional: true, Args: []Arg{
					{Name: "asc", Type: "pure-token", Token: "ASC"},
					{Name: "desc", Type: "pure-token", Token: "DESC"},
				}},
			}},
		Proc: georadiusRoCommand},
	{Name: "georadiusbymember", Arity: -5, Flags: FlagWrite | FlagDenyOOM, Cats: CatGeo, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}, {Flags: []string{"OW", "update"}, Keyword: "STORE", StartFrom: 5, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}, {Flags: []string{"OW", "update"}, Keyword: "STOREDIST", StartFrom: 5, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "geo", Since: "3.2.0", Complexity: "O(N+log(M)) where N is the number of elements inside the bounding box of the circular area delimited by center and radius and M is the number of items inside the index.",
		Summary: "Query a sorted set representing a geospatial index to fetch members matching a given maximum distance from a member",
		Doc: &CmdDoc{History: [][2]string{{"7.0.0", "Added support for uppercase unit names."}},
			Flags:           []string{"deprecated"},
			DeprecatedSince: "6.2.0",
			ReplacedBy:      "`GEOSEARCH` and `GEOSEARCHSTORE` with the `BYRADIUS` and `FROMMEMBER` arguments",
			Args: []Arg{
				{Name: "key", Type: "key", KeySpecIndex: 0},
				{Name: "member", Type: "string"},
				{Name: "radius", Type: "double"},
				{Name: "unit", Type: "oneof", Args: []Arg{
					{Name: "m", Type: "pure-token", Token: "M"},
					{Name: "km", Type: "pure-token", Token: "KM"},
					{Name: "ft", Type: "pure-token", Token: "FT"},
					{Name: "mi", Type: "pure-token", Token: "MI"},
				}},
				{Name: "withcoord", Type: "pure-token", Token: "WITHCOORD", Optional: true},
				{Name: "withdist", Type: "pure-token", Token: "WITHDIST", Optional: true},
				{Name: "withhash", Type: "pure-token", Token: "WITHHASH", Optional: true},
				{Name: "count", Type: "block", Optional: true, Args: []Arg{
					{Name: "count", Type: "integer", Token: "COUNT"},
					{Name: "any", Type: "pure-token", Token: "ANY", Optional: true},
				}},
				{Name: "order", Type: "oneof", Optional: true, Args: []Arg{
					{Name: "asc", Type: "pure-token", Token: "ASC"},
					{Name: "desc", Type: "pure-token", Token: "DESC"},
				}},
				{Name: "key", Type: "key", Token: "STORE", KeySpecIndex: 1, Optional: true},
				{Name: "key", Type: "key", Token: "STOREDIST", KeySpecIndex: 2, Optional: true},
			}},
		Keys: georadiusGetKeys,
		Proc: georadiusbymemberCommand},
	{Name: "georadiusbymember_ro", Arity: -5, Flags: FlagReadonly, Cats: CatGeo, FirstKey: 1, LastKey: 1, Step: 1,
		KeySpecs: []KeySpec{{Flags: []string{"RO", "access"}, Index: 1, Range: true, LastKey: 0, KeyStep: 1, Limit: 0}},
		Group:    "geo", Since: "3.2.10", Complexity: "O(N+log(M)) where N is the number of elements inside the bounding box of the circular area delimited by center and radius and M is the number of items inside the index.",
		Summary: "A read-only variant for GEORADIUSBYMEMBER",
		Doc: &CmdDoc{Flags: []string{"deprecated"},
			DeprecatedSince: "6.2.0",
			ReplacedBy:      "`GEOSEARCH` with the `BYRADIUS` and `FROMMEMBER` arguments",
			Args: []Arg{
				{Name: "key", Type: "key", KeySpecIndex: 0},
				{Name: "member", Type: "string"},
				{Name: "radius", Type: "double"},
				{Name: "unit", Type: "oneof", Args: []Arg{
					{Name: "m", Type: "pure-token", Token: "M"},
					{Name: "km", Type: "pure-token", Token: "KM"},
					{Name: "ft", Type: "pure-token", Token: "FT"},
					{Name: "mi", Type: "pure-token", Token: "MI"},
				}},
				{Name: "withcoord", Type: "pure-token", Token: "WITHCOORD", Optional: true},
				{Name: "withdist", Type: "pure-token", Token: "WITHDIST", Optional: true},
				{Name: "withhash", Type: "pure-token", Token: "WITHHASH", Optional: true},
				{Name: "count", Type: "block", Optional: true, Args: []Arg{
					{Name: "count", Type: "integer", Token: "COUNT"},
					{Name: "any", Type: "pure-token", Token: "ANY", Optional: true},
				}},
				{Name: "order", Type: "oneof", Optional: true, Args: []Arg{
					{Name: "asc", Type: "pure-token", Token: "ASC"},
					{Name: "desc", Type: "pure-token", Token: "DESC"},
				}},
			}},
		Proc: georadiusbymemberRoCommand},
}

// georadiusGetKeys is Redis's georadiusGetKeys: the source key, and the STORE or
// STOREDIST key when there is one (the last one given wins).
func georadiusGetKeys(argv [][]byte) []int {
	keys := []int{1}
	stored := 0
	for i := 5; i < len(argv); i++ {
		if (eqFold(argv[i], "store") || eqFold(argv[i], "storedist")) && i+1 < len(argv) {
			stored = i + 1
			i++
		}
	}
	if stored > 0 {
		keys = append(keys, stored)
	}
	return keys
}

// geoParseLonLat is Redis's extractLongLatOrReply.
func (c *Client) geoParseLonLat(lon, lat []byte) (float64, float64, bool) {
	x, ok := zparseDouble(lon)
	if !ok {
		c.ReplyError(ErrNotFloat)
		return 0, 0, false
	}
	y, ok := zparseDouble(lat)
	if !ok {
		c.ReplyError(ErrNotFloat)
		return 0, 0, false
	}
	if x < geohash.LonMin || x > geohash.LonMax || y < geohash.LatMin || y > geohash.LatMax {
		c.ReplyError("ERR invalid longitude,latitude pair " + geoFormatF(x) + "," + geoFormatF(y))
		return 0, 0, false
	}
	return x, y, true
}

// geoFormatF is C's "%f".
func geoFormatF(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	return strconv.FormatFloat(f, 'f', 6, 64)
}

// geoUnit is Redis's extractUnitOrReply: metres per unit, or false after replying.
func (c *Client) geoUnit(u []byte) (float64, bool) {
	switch {
	case eqFold(u, "m"):
		return 1, true
	case eqFold(u, "km"):
		return 1000, true
	case eqFold(u, "ft"):
		return 0.3048, true
	case eqFold(u, "mi"):
		return 1609.34, true
	}
	c.ReplyError("ERR unsupported unit provided. please use M, KM, FT, MI")
	return 0, false
}

// geoDistanceArg is Redis's extractDistanceOrReply: a radius and its unit.
func (c *Client) geoDistanceArg(radius, unit []byte) (r, conv float64, ok bool) {
	if r, ok = zparseDouble(radius); !ok {
		c.ReplyError("ERR need numeric radius")
		return 0, 0, false
	}
	if r < 0 {
		c.ReplyError("ERR radius cannot be negative")
		return 0, 0, false
	}
	conv, ok = c.geoUnit(unit)
	return r, conv, ok
}

// geoBoxArg is Redis's extractBoxOrReply: a width, a height and their unit.
func (c *Client) geoBoxArg(width, height, unit []byte) (w, h, conv float64, ok bool) {
	if w, ok = zparseDouble(width); !ok {
		c.ReplyError("ERR need numeric width")
		return 0, 0, 0, false
	}
	if h, ok = zparseDouble(height); !ok {
		c.ReplyError("ERR need numeric height")
		return 0, 0, 0, false
	}
	if h < 0 || w < 0 {
		c.ReplyError("ERR height or width cannot be negative")
		return 0, 0, 0, false
	}
	conv, ok = c.geoUnit(unit)
	return w, h, conv, ok
}

// geoAppendDistance appends d as Redis's fixedpoint_d2string(d, 4): rounded to
// nearest (even) ten-thousandths with llrint, always 4 decimals.
func geoAppendDistance(b []byte, d float64) []byte {
	if d == 0 {
		return append(b, "0.0000"...)
	}
	v := math.RoundToEven(d * 10000)
	var u uint64
	if v < 0 {
		b = append(b, '-')
		u = uint64(-int64(v))
	} else {
		u = uint64(int64(v))
	}
	var digits [24]byte
	ds := strconv.AppendUint(digits[:0], u, 10)
	if len(ds) <= 4 {
		b = append(b, '0', '.')
		for i := len(ds); i < 4; i++ {
			b = append(b, '0')
		}
		return append(b, ds...)
	}
	b = append(b, ds[:len(ds)-4]...)
	b = append(b, '.')
	return append(b, ds[len(ds)-4:]...)
}

func (c *Client) geoReplyDistance(d float64) {
	var buf [32]byte
	c.ReplyBulk(geoAppendDistance(buf[:0], d))
}

// geoReplyCoord replies a coordinate as Redis's addReplyHumanLongDouble.
func (c *Client) geoReplyCoord(f float64) {
	var buf [48]byte
	s := resp.AppendLongDouble(buf[:0], f)
	if c.proto >= 3 {
		c.out = append(c.out, ',')
		c.out = append(c.out, s...)
		c.out = append(c.out, '\r', '\n')
		return
	}
	c.ReplyBulk(s)
}

// GEOADD key [NX|XX] [CH] longitude latitude member [longitude latitude member ...]
func geoaddCommand(c *Client) {
	argv := c.argv
	xx, nx := false, false
	longIdx := 2
opts:
	for ; longIdx < len(argv); longIdx++ {
		switch a := argv[longIdx]; {
		case eqFold(a, "nx"):
			nx = true
		case eqFold(a, "xx"):
			xx = true
		case eqFold(a, "ch"):
		default:
			break opts
		}
	}
	if (len(argv)-longIdx)%3 != 0 || xx && nx {
		c.ReplyError(ErrSyntax)
		return
	}
	// The ZADD this becomes: the key and options, then score member pairs.
	elements := (len(argv) - longIdx) / 3
	zargv := make([][]byte, 0, longIdx+2*elements)
	zargv = append(zargv, argZADD)
	zargv = append(zargv, argv[1:longIdx]...)
	for i := 0; i < elements; i++ {
		p := longIdx + 3*i
		lon, lat, ok := c.geoParseLonLat(argv[p], argv[p+1])
		if !ok {
			return
		}
		h, _ := geohash.EncodeWGS84(lon, lat, geohash.StepMax)
		zargv = append(zargv, strconv.AppendUint(nil, geohash.Align52Bits(h), 10), argv[p+2])
	}
	orig := c.argv
	c.argv = zargv
	c.zaddGeneric(0)
	c.argv = orig
	c.rewriteArgv(zargv)
}

// argZADD is the command GEOADD becomes, in lower case as Redis writes it. Shared and
// read-only.
var argZADD = []byte("zadd")

// GEOPOS key [member ...]
func geoposCommand(c *Client) {
	z, ok := c.lookupZsetRead(c.argv[1])
	if !ok {
		return
	}
	c.ReplyArray(len(c.argv) - 2)
	for _, m := range c.argv[2:] {
		score, found := 0.0, false
		if z != nil {
			score, found = z.score(m)
		}
		if !found {
			c.ReplyNullArray()
			continue
		}
		lon, lat := geohash.DecodeScore(score)
		c.ReplyArray(2)
		c.geoReplyCoord(lon)
		c.geoReplyCoord(lat)
	}
}

// GEOHASH key [member ...]
func geohashCommand(c *Client) {
	z, ok := c.lookupZsetRead(c.argv[1])
	if !ok {
		return
	}
	c.ReplyArray(len(c.argv) - 2)
	for _, m := range c.argv[2:] {
		score, found := 0.0, false
		if z != nil {
			score, found = z.score(m)
		}
		if !found {
			c.ReplyNull()
			continue
		}
		h := geohash.String11(score)
		c.ReplyBulk(h[:])
	}
}

// GEODIST key member1 member2 [M|KM|FT|MI]
func geodistCommand(c *Client) {
	argv := c.argv
	toMeter := 1.0
	if len(argv) == 5 {
		var ok bool
		if toMeter, ok = c.geoUnit(argv[4]); !ok {
			return
		}
	} else if len(argv) > 5 {
		c.ReplyError(ErrSyntax)
		return
	}
	z, ok := c.lookupZsetRead(argv[1])
	if !ok {
		return
	}
	if z == nil {
		c.ReplyNull()
		return
	}
	s1, ok1 := z.score(argv[2])
	s2, ok2 := z.score(argv[3])
	if !ok1 || !ok2 {
		c.ReplyNull()
		return
	}
	lon1, lat1 := geohash.DecodeScore(s1)
	lon2, lat2 := geohash.DecodeScore(s2)
	c.geoReplyDistance(geohash.Distance(lon1, lat1, lon2, lat2) / toMeter)
}

// Variants of the search commands (Redis's RADIUS_* flags).
const (
	geoRadiusCoords = 1 << iota // search around coordinates
	geoRadiusMember             // search around a member
	geoNoStore                  // no STORE/STOREDIST option (the _RO forms)
	geoSearch                   // GEOSEARCH syntax
	geoSearchStore              // GEOSEARCHSTORE: only STOREDIST
)

// GEORADIUS key longitude latitude radius M|KM|FT|MI [WITHCOORD] [WITHDIST] [WITHHASH] [COUNT count [ANY]] [ASC|DESC] [STORE key] [STOREDIST key]
func georadiusCommand(c *Client) { c.georadiusGeneric(1, geoRadiusCoords) }

// GEORADIUS_RO key longitude latitude radius M|KM|FT|MI [WITHCOORD] [WITHDIST] [WITHHASH] [COUNT count [ANY]] [ASC|DESC]
func georadiusRoCommand(c *Client) { c.georadiusGeneric(1, geoRadiusCoords|geoNoStore) }

// GEORADIUSBYMEMBER key member radius M|KM|FT|MI [WITHCOORD] [WITHDIST] [WITHHASH] [COUNT count [ANY]] [ASC|DESC] [STORE key] [STOREDIST key]
func georadiusbymemberCommand(c *Client) { c.georadiusGeneric(1, geoRadiusMember) }

// GEORADIUSBYMEMBER_RO key member radius M|KM|FT|MI [WITHCOORD] [WITHDIST] [WITHHASH] [COUNT count [ANY]] [ASC|DESC]
func georadiusbymemberRoCommand(c *Client) { c.georadiusGeneric(1, geoRadiusMember|geoNoStore) }

// GEOSEARCH key FROMMEMBER member|FROMLONLAT longitude latitude BYRADIUS radius M|KM|FT|MI|BYBOX width height M|KM|FT|MI [ASC|DESC] [COUNT count [ANY]] [WITHCOORD] [WITHDIST] [WITHHASH]
func geosearchCommand(c *Client) { c.georadiusGeneric(1, geoSearch) }

// GEOSEARCHSTORE destination source FROMMEMBER member|FROMLONLAT longitude latitude BYRADIUS radius M|KM|FT|MI|BYBOX width height M|KM|FT|MI [ASC|DESC] [COUNT count [ANY]] [STOREDIST]
func geosearchstoreCommand(c *Client) { c.georadiusGeneric(2, geoSearch|geoSearchStore) }

// geoPoint is one search result (Redis's geoPoint); its member is at
// names[m0:m1] of the search's geoPoints.
type geoPoint struct {
	lon, lat, dist, score float64
	m0, m1                int
}

// geoPoints is a search's result list, members packed in one buffer.
type geoPoints struct {
	p     []geoPoint
	names []byte
}

func (g *geoPoints) member(gp *geoPoint) []byte { return g.names[gp.m0:gp.m1] }

// geoMemberPos returns a member's decoded position (Redis's longLatFromMember).
func geoMemberPos(z *zsetObj, member []byte) (lon, lat float64, ok bool) {
	score, ok := z.score(member)
	if !ok {
		return 0, 0, false
	}
	lon, lat = geohash.DecodeScore(score)
	return lon, lat, true
}

// Sort orders of a search.
const (
	geoSortNone = iota
	geoSortAsc
	geoSortDesc
)

// georadiusGeneric is Redis's georadiusGeneric, for every search command.
func (c *Client) georadiusGeneric(srcIdx int, flags int) {
	argv := c.argv
	z, ok := c.lookupZsetRead(argv[srcIdx])
	if !ok {
		return
	}
	var storekey []byte
	storedist := false
	var shape geohash.Shape
	var baseArgs int
	switch {
	case flags&geoRadiusCoords != 0:
		baseArgs = 6
		shape.Kind = geohash.Circle
		if shape.Lon, shape.Lat, ok = c.geoParseLonLat(argv[2], argv[3]); !ok {
			return
		}
		if shape.Radius, shape.Conversion, ok = c.geoDistanceArg(argv[4], argv[5]); !ok {
			return
		}
	case flags&geoRadiusMember != 0 && z == nil:
		// No source key: parse the rest to know which empty reply to give.
		baseArgs = 5
	case flags&geoRadiusMember != 0:
		baseArgs = 5
		shape.Kind = geohash.Circle
		if shape.Lon, shape.Lat, ok = geoMemberPos(z, argv[2]); !ok {
			c.ReplyError("ERR could not decode requested zset member")
			return
		}
		if shape.Radius, shape.Conversion, ok = c.geoDistanceArg(argv[3], argv[4]); !ok {
			return
		}
	default: // GEOSEARCH, GEOSEARCHSTORE
		baseArgs = 2
		if flags&geoSearchStore != 0 {
			baseArgs = 3
			storekey = argv[1]
		}
	}
	withdist, withhash, withcoords := false, false, false
	frommember, fromloc, byradius, bybox := false, false, false, false
	sortOrder := geoSortNone
	anyOpt := false
	var count int64
	if len(argv) > baseArgs {
		remaining := len(argv) - baseArgs
		for i := 0; i < remaining; i++ {
			a := argv[baseArgs+i]
			switch {
			case eqFold(a, "withdist"):
				withdist = true
			case eqFold(a, "withhash"):
				withhash = true
			case eqFold(a, "withcoord"):
				withcoords = true
			case eqFold(a, "any"):
				anyOpt = true
			case eqFold(a, "asc"):
				sortOrder = geoSortAsc
			case eqFold(a, "desc"):
				sortOrder = geoSortDesc
			case eqFold(a, "count") && i+1 < remaining:
				if count, ok = c.zparseLong(argv[baseArgs+i+1], ""); !ok {
					return
				}
				if count <= 0 {
					c.ReplyError("ERR COUNT must be > 0")
					return
				}
				i++
			case eqFold(a, "store") && i+1 < remaining && flags&geoNoStore == 0 && flags&geoSearch == 0:
				storekey = argv[baseArgs+i+1]
				storedist = false
				i++
			case eqFold(a, "storedist") && i+1 < remaining && flags&geoNoStore == 0 && flags&geoSearch == 0:
				storekey = argv[baseArgs+i+1]
				storedist = true
				i++
			case eqFold(a, "storedist") && flags&geoSearch != 0 && flags&geoSearchStore != 0:
				storedist = true
			case eqFold(a, "frommember") && i+1 < remaining && flags&geoSearch != 0 && !fromloc:
				if z != nil {
					if shape.Lon, shape.Lat, ok = geoMemberPos(z, argv[baseArgs+i+1]); !ok {
						c.ReplyError("ERR could not decode requested zset member")
						return
					}
				}
				frommember = true
				i++
			case eqFold(a, "fromlonlat") && i+2 < remaining && flags&geoSearch != 0 && !frommember:
				if shape.Lon, shape.Lat, ok = c.geoParseLonLat(argv[baseArgs+i+1], argv[baseArgs+i+2]); !ok {
					return
				}
				fromloc = true
				i += 2
			case eqFold(a, "byradius") && i+2 < remaining && flags&geoSearch != 0 && !bybox:
				if shape.Radius, shape.Conversion, ok = c.geoDistanceArg(argv[baseArgs+i+1], argv[baseArgs+i+2]); !ok {
					return
				}
				shape.Kind = geohash.Circle
				byradius = true
				i += 2
			case eqFold(a, "bybox") && i+3 < remaining && flags&geoSearch != 0 && !byradius:
				if shape.Width, shape.Height, shape.Conversion, ok = c.geoBoxArg(argv[baseArgs+i+1], argv[baseArgs+i+2], argv[baseArgs+i+3]); !ok {
					return
				}
				shape.Kind = geohash.Rectangle
				bybox = true
				i += 3
			default:
				c.ReplyError(ErrSyntax)
				return
			}
		}
	}
	if storekey != nil && (withdist || withhash || withcoords) {
		what := "STORE option in GEORADIUS"
		if flags&geoSearchStore != 0 {
			what = "GEOSEARCHSTORE"
		}
		c.ReplyError("ERR " + what + " is not compatible with WITHDIST, WITHHASH and WITHCOORD options")
		return
	}
	if flags&geoSearch != 0 && !(frommember || fromloc) {
		c.ReplyError("ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for " + string(argv[0]))
		return
	}
	if flags&geoSearch != 0 && !(byradius || bybox) {
		c.ReplyError("ERR exactly one of BYRADIUS and BYBOX can be specified for " + string(argv[0]))
		return
	}
	if anyOpt && count == 0 {
		c.ReplyError("ERR the ANY argument requires COUNT argument")
		return
	}
	s := c.srv
	if z == nil {
		if storekey != nil {
			if c.db.Delete(storekey) {
				s.signalModified(c.db, storekey)
				s.notifyKeyspace(NotifyGeneric, "del", storekey, c.db.id)
				s.dirty++
			}
			c.ReplyInt(0)
		} else {
			c.ReplyArray(0)
		}
		return
	}
	// COUNT without an order means the closest ones (except with ANY).
	if count != 0 && sortOrder == geoSortNone && !anyOpt {
		sortOrder = geoSortAsc
	}
	radius := geohash.AreasByShape(&shape)
	var limit int64
	if anyOpt {
		limit = count
	}
	var gps geoPoints
	geoMembersOfAllNeighbors(z, &radius, &shape, limit, &gps)
	points := gps.p
	if len(points) == 0 && storekey == nil {
		c.ReplyArray(0)
		return
	}
	returned := len(points)
	if count != 0 && int64(returned) > count {
		returned = int(count)
	}
	if sortOrder != geoSortNone {
		less := func(a, b *geoPoint) int {
			switch {
			case a.dist > b.dist:
				return 1
			case a.dist == b.dist:
				return 0
			}
			return -1
		}
		cmp := less
		if sortOrder == geoSortDesc {
			cmp = func(a, b *geoPoint) int { return -less(a, b) }
		}
		if returned == len(points) {
			// glibc's qsort is a merge sort: stable.
			sort.SliceStable(points, func(i, j int) bool { return cmp(&points[i], &points[j]) < 0 })
		} else {
			geoPqsort(points, cmp, 0, returned-1)
		}
	}
	if storekey == nil {
		options := 0
		for _, on := range []bool{withdist, withcoords, withhash} {
			if on {
				options++
			}
		}
		c.ReplyArray(returned)
		for i := 0; i < returned; i++ {
			gp := &points[i]
			dist := gp.dist / shape.Conversion
			if options > 0 {
				c.ReplyArray(options + 1)
			}
			c.ReplyBulk(gps.member(gp))
			if withdist {
				c.geoReplyDistance(dist)
			}
			if withhash {
				c.ReplyInt(int64(gp.score))
			}
			if withcoords {
				c.ReplyArray(2)
				c.geoReplyCoord(gp.lon)
				c.geoReplyCoord(gp.lat)
			}
		}
		return
	}
	if returned > 0 {
		res := make([]zentry, 0, returned)
		seen := make(map[string]struct{}, returned)
		for i := 0; i < returned; i++ {
			gp := &points[i]
			score := gp.score
			if storedist {
				score = gp.dist / shape.Conversion
			}
			m := string(gps.member(gp))
			if _, dup := seen[m]; dup {
				continue // a cell scanned twice: Redis would assert here
			}
			seen[m] = struct{}{}
			res = append(res, zentry{m, score})
		}
		c.zsetStore(storekey, zsetFromEntries(res, s.zsetLimits()))
		ev := "georadiusstore"
		if flags&geoSearch != 0 {
			ev = "geosearchstore"
		}
		s.notifyKeyspace(NotifyZSet, ev, storekey, c.db.id)
		s.dirty += int64(returned)
	} else if c.db.Delete(storekey) {
		s.signalModified(c.db, storekey)
		s.notifyKeyspace(NotifyGeneric, "del", storekey, c.db.id)
		s.dirty++
	}
	c.ReplyInt(int64(returned))
}

// geoMembersOfAllNeighbors collects the members of the nine cells that are inside
// the shape (Redis's membersOfAllNeighbors), stopping once limit are found (ANY).
func geoMembersOfAllNeighbors(z *zsetObj, r *geohash.Radius, shape *geohash.Shape, limit int64, gps *geoPoints) {
	cells := r.Cells()
	last := -1
	for i, cell := range cells {
		if cell.IsZero() {
			continue
		}
		// With huge radii neighbours can be the same cell: skip a repeat of the
		// previous one.
		if last >= 0 && cell == cells[last] {
			continue
		}
		if len(gps.p) > 0 && limit > 0 && int64(len(gps.p)) >= limit {
			break
		}
		min, max := geohash.ScoreRange(cell)
		geoPointsInRange(z, float64(min), float64(max), shape, gps, limit)
		last = i
	}
}

// geoPointsInRange appends the members with min <= score < max inside the shape
// (Redis's geoGetPointsInRange).
func geoPointsInRange(z *zsetObj, min, max float64, shape *geohash.Shape, gps *geoPoints, limit int64) {
	rg := zcellRange(min, max)
	var nb [20]byte
	for p := z.firstInRange(&rg); p >= 0; p = z.next(p) {
		score := z.scoreAt(p)
		if !rg.LteMax(score) {
			break
		}
		lon, lat := geohash.DecodeScore(score)
		var dist float64
		var in bool
		if shape.Kind == geohash.Circle {
			dist, in = geohash.InRadius(shape.Lon, shape.Lat, lon, lat, shape.Radius*shape.Conversion)
		} else {
			dist, in = geohash.InRectangle(shape.Width*shape.Conversion, shape.Height*shape.Conversion, shape.Lon, shape.Lat, lon, lat)
		}
		if in {
			m0 := len(gps.names)
			gps.names = append(gps.names, z.memberAt(p, &nb)...)
			gps.p = append(gps.p, geoPoint{lon: lon, lat: lat, dist: dist, score: score, m0: m0, m1: len(gps.names)})
		}
		if len(gps.p) > 0 && limit > 0 && int64(len(gps.p)) >= limit {
			break
		}
	}
}

// geoPqsort sorts the elements of a that end up at positions lo..hi (and whatever the
// partitioning puts around them) as Redis's pqsort does: Bentley and McIlroy's
// quicksort, recursing only into partitions that overlap lo..hi. Ties come out in the
// order this algorithm leaves them, which is Redis's.
func geoPqsort(a []geoPoint, cmp func(x, y *geoPoint) int, lo, hi int) {
	geoPqsortRange(a, 0, len(a), cmp, lo, hi)
}

func geoPqsortRange(a []geoPoint, base, n int, cmp func(x, y *geoPoint) int, lo, hi int) {
	med3 := func(i, j, k int) int {
		if cmp(&a[i], &a[j]) < 0 {
			if cmp(&a[j], &a[k]) < 0 {
				return j
			}
			if cmp(&a[i], &a[k]) < 0 {
				return k
			}
			return i
		}
		if cmp(&a[j], &a[k]) > 0 {
			return j
		}
		if cmp(&a[i], &a[k]) < 0 {
			return i
		}
		return k
	}
	swap := func(i, j int) { a[i], a[j] = a[j], a[i] }
	vecswap := func(i, j, n int) {
		for ; n > 0; n-- {
			swap(i, j)
			i++
			j++
		}
	}
	for {
		if n < 7 {
			for pm := base + 1; pm < base+n; pm++ {
				for pl := pm; pl > base && cmp(&a[pl-1], &a[pl]) > 0; pl-- {
					swap(pl, pl-1)
				}
			}
			return
		}
		pm := base + n/2
		if n > 7 {
			pl := base
			pn := base + n - 1
			if n > 40 {
				d := n / 8
				pl = med3(pl, pl+d, pl+2*d)
				pm = med3(pm-d, pm, pm+d)
				pn = med3(pn-2*d, pn-d, pn)
			}
			pm = med3(pl, pm, pn)
		}
		swap(base, pm)
		pa, pb := base+1, base+1
		pc, pd := base+n-1, base+n-1
		for {
			for pb <= pc {
				r := cmp(&a[pb], &a[base])
				if r > 0 {
					break
				}
				if r == 0 {
					swap(pa, pb)
					pa++
				}
				pb++
			}
			for pb <= pc {
				r := cmp(&a[pc], &a[base])
				if r < 0 {
					break
				}
				if r == 0 {
					swap(pc, pd)
					pd--
				}
				pc--
			}
			if pb > pc {
				break
			}
			swap(pb, pc)
			pb++
			pc--
		}
		pn := base + n
		r := min(pa-base, pb-pa)
		vecswap(base, pb-r, r)
		r = min(pd-pc, pn-pd-1)
		vecswap(pb, pn-r, r)
		// Recurse into the left part if it overlaps lo..hi, loop on the right one.
		if r = pb - pa; r > 1 {
			if !(hi < base || lo >= base+r) {
				geoPqsortRange(a, base, r, cmp, lo, hi)
			}
		}
		if r = pd - pc; r > 1 {
			base = pn - r
			n = r
			if !(hi < base || lo >= base+n) {
				continue
			}
		}
		return
	}
}
