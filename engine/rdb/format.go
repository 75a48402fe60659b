package rdb

// Format constants, with Redis's names and numbers (rdb.h).

// Version is the RDB version keygrid writes: Redis 7.0's.
const Version = 10

// MaxVersion is the newest version read: Redis 7.4 writes 12 (7.2 writes 11).
const MaxVersion = 12

// Value types.
const (
	TypeString              = 0
	TypeList                = 1
	TypeSet                 = 2
	TypeZSet                = 3
	TypeHash                = 4
	TypeZSet2               = 5 // binary doubles
	TypeModulePreGA         = 6
	TypeModule2             = 7
	TypeHashZipmap          = 9
	TypeListZiplist         = 10
	TypeSetIntset           = 11
	TypeZSetZiplist         = 12
	TypeHashZiplist         = 13
	TypeListQuicklist       = 14 // nodes are ziplists
	TypeStreamListpacks     = 15
	TypeHashListpack        = 16
	TypeZSetListpack        = 17
	TypeListQuicklist2      = 18 // nodes are listpacks, PLAIN or PACKED
	TypeStreamListpacks2    = 19
	TypeSetListpack         = 20 // RDB 11 (Redis 7.2)
	TypeStreamListpacks3    = 21 // RDB 11
	TypeHashMetadataPreGA   = 22 // RDB 12 (Redis 7.4): hashes with field TTLs
	TypeHashListpackExPreGA = 23
	TypeHashMetadata        = 24
	TypeHashListpackEx      = 25
)

// Opcodes.
const (
	OpSlotInfo      = 244 // RDB 12, cluster mode
	OpFunction2     = 245
	OpFunctionPreGA = 246
	OpModuleAux     = 247
	OpIdle          = 248
	OpFreq          = 249
	OpAux           = 250
	OpResizeDB      = 251
	OpExpireTimeMs  = 252
	OpExpireTime    = 253
	OpSelectDB      = 254
	OpEOF           = 255
)

// Length encodings: the two high bits of the first byte.
const (
	len6Bit  = 0
	len14Bit = 1
	len32Bit = 0x80
	len64Bit = 0x81
	encVal   = 3
)

// Special string encodings (after an encVal length byte).
const (
	EncInt8  = 0
	EncInt16 = 1
	EncInt32 = 2
	EncLZF   = 3
)

// Quicklist 2 node containers.
const (
	ContainerPlain  = 1
	ContainerPacked = 2
)

// Module value opcodes (RDB_MODULE_OPCODE_*), for skipping module data.
const (
	moduleOpEOF    = 0
	moduleOpSInt   = 1
	moduleOpUInt   = 2
	moduleOpFloat  = 3
	moduleOpDouble = 4
	moduleOpString = 5
)

// IsObjectType reports whether t is a value type (rdbIsObjectType of Redis 7.4).
func IsObjectType(t byte) bool { return t <= 7 || t >= 9 && t <= 25 }

// typeNames are Redis's rdb_type_string (redis-check-rdb's names).
var typeNames = map[byte]string{
	TypeString: "string", TypeList: "list-linked", TypeSet: "set-hashtable",
	TypeZSet: "zset-v1", TypeHash: "hash-hashtable", TypeZSet2: "zset-v2",
	TypeModulePreGA: "module-pre-release", TypeModule2: "module-value",
	TypeHashZipmap: "hash-zipmap", TypeListZiplist: "list-ziplist",
	TypeSetIntset: "set-intset", TypeZSetZiplist: "zset-ziplist",
	TypeHashZiplist: "hash-ziplist", TypeListQuicklist: "quicklist",
	TypeStreamListpacks: "stream", TypeHashListpack: "hash-listpack",
	TypeZSetListpack: "zset-listpack", TypeListQuicklist2: "quicklist-v2",
	TypeStreamListpacks2: "stream-v2", TypeSetListpack: "set-listpack",
	TypeStreamListpacks3: "stream-v3", TypeHashMetadataPreGA: "hash-hashtable-md-pre-ga",
	TypeHashListpackExPreGA: "hash-listpack-md-pre-ga", TypeHashMetadata: "hash-hashtable-md",
	TypeHashListpackEx: "hash-listpack-md",
}

// TypeName is the name redis-check-rdb prints for a value type.
func TypeName(t byte) string {
	if n, ok := typeNames[t]; ok {
		return n
	}
	return "unknown"
}
